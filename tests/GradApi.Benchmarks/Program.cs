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
        if (args is ["--batch", var request, ..])
        {
            // --batch FILE [rounds]: a /v1/grade/batch body's time in process, stage by stage (BatchQuick.cs).
            foreach (var (name, median, best, cpu, ran, megabytes) in BatchQuick.Run(request, args.Length > 2 ? int.Parse(args[2]) : 15))
                Console.WriteLine($"{name}: median {median:F2} ms, best {best:F2} ms, process CPU {cpu:F1} ms, thread CPU {ran:F1} ms, {megabytes:F1} MB allocated");
            return;
        }
        if (args is ["--train", var trainRequest, ..])
        {
            // --train FILE [rounds]: a /v1/train body's time in process, stage by stage (BatchQuick.RunTrain).
            foreach (var (name, median, best, cpu, ran, megabytes) in BatchQuick.RunTrain(trainRequest, args.Length > 2 ? int.Parse(args[2]) : 15))
                Console.WriteLine($"{name}: median {median:F2} ms, best {best:F2} ms, process CPU {cpu:F1} ms, thread CPU {ran:F1} ms, {megabytes:F1} MB allocated");
            return;
        }
        if (args is ["--trace"])
        {
            foreach (var (name, ms, bytes, allocated) in TraceQuick.Run())
                Console.WriteLine($"{name}: {ms:F2} ms, {bytes:N0} bytes, {bytes / ms / 1000:F0} MB/s, {allocated:N0} bytes allocated ({(double)allocated / bytes:F3} per byte)");
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
            // --mnist [name part [rounds]]: only the cases whose name contains it, e.g. --mnist "Run 100"; more rounds
            // for a profiler to sample.
            int rounds = args.Length > 2 ? int.Parse(args[2]) : 5;
            foreach (var (name, ms, bytes) in new MnistStepBenchmarks().Quick(rounds, only: args.Length > 1 ? args[1] : null)) Console.WriteLine($"{name}: {ms:F2} ms, {bytes:N0} bytes allocated");
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
    }
}
