using BenchmarkDotNet.Running;

namespace GradApi.Benchmarks;

/// <summary>
/// Pick benchmarks on the command line, e.g.
/// <c>dotnet run -c Release --project tests/GradApi.Benchmarks -- --filter '*' --job short</c>.
/// </summary>
public static class BenchmarkProgram
{
    public static void Main(string[] args)
    {
        if (args is ["--sizes"])
        {
            foreach (var (name, bytes) in new TrainingRunBenchmarks().Sizes().Concat(new TraceWriterBenchmarks().Sizes()))
                Console.WriteLine($"{name}: {bytes:N0} bytes");
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
    }
}
