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
        if (args is ["--kernels"])
        {
            foreach (var (name, us) in KernelQuick.Run()) Console.WriteLine($"{name}: {us:F1} us");
            return;
        }
        if (args is ["--overhead-loop", var stage, var body, var seconds])
        {
            OverheadQuick.Loop(stage, body, double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture));
            return;
        }
        if (args is ["--overhead", ..])
        {
            foreach (var (name, us) in OverheadQuick.Run(args.Length > 1 ? args[1] : null)) Console.WriteLine($"{name}: {us:F1} us");
            return;
        }
        if (args is ["--mnist", ..])
        {
            // --mnist [name part]: only the cases whose name contains it, e.g. --mnist "Run 100".
            foreach (var (name, ms, bytes) in new MnistStepBenchmarks().Quick(only: args.Length > 1 ? args[1] : null)) Console.WriteLine($"{name}: {ms:F2} ms, {bytes:N0} bytes allocated");
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
    }
}
