using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using FluentValidation;
using GradApi.Contracts;
using GradApi.Domain.Grading;
using GradApi.Endpoints;
using GradApi.Json;
using GradApi.Limits;
using GradApi.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GradApi.Benchmarks;

/// <summary>
/// Where a /v1/grade/batch request's time goes in process, stage by stage, median of several rounds in ms:
/// <c>-- --batch FILE</c>, FILE a request body (scripts/grade-load.py with BATCH_REQUEST=FILE --batch-only writes
/// the 1000 x 20 class of seed 001). The stages are the endpoint's, in its order: reading the body (as the host does,
/// from a pipe, and from the bytes at once), the null-element check, the validator (checks and price), mapping,
/// grading with the summary, and writing the response into a reused buffer. The network's share is what curl's
/// time_total shows above their sum. Each stage reports its median and best wall time, the process's CPU time (every
/// thread's, the collector's too), the CPU time of the thread that ran it, and what it allocated.
/// </summary>
public static class BatchQuick
{
    public static IEnumerable<(string Name, double Median, double Best, double Cpu, double Ran, double AllocatedMB)> Run(string file, int rounds = 15)
    {
        var (provider, json) = Services();
        byte[] body = File.ReadAllBytes(file);
        var validator = provider.GetRequiredService<IValidator<GradeBatchRequest>>();
        var buffer = new ArrayBufferWriter<byte>(16 * 1024 * 1024);

        GradeBatchRequest request = null!;
        GradedProblem problem = null!;
        GradingOptions options = null!;
        Answer[][] submissions = null!;
        string[] ids = null!;
        IReadOnlyList<SubmissionGrade> grades = null!;
        IReadOnlyList<PathSummary> summary = null!;
        (string, Action)[] stages =
        [
            ("read: DeserializeAsync from a pipe (64 KB pieces)", () => request = ReadFromPipe<GradeBatchRequest>(body, json).GetAwaiter().GetResult()),
            ("read: Deserialize from the bytes at once", () => request = JsonSerializer.Deserialize<GradeBatchRequest>(body, json)!),
            ("null elements", () => NullElements.Find(request, NullElements.MaxReported)),
            ("validate and price", () =>
            {
                var context = new ValidationContext<GradeBatchRequest>(request);
                if (!validator.Validate(context).IsValid) throw new InvalidOperationException("the request is invalid");
                problem = ValidatedInput.Of(context)?.Value as GradedProblem ?? throw new InvalidOperationException("no problem recorded");
            }),
            ("map", () =>
            {
                options = GradeMapper.ToOptions(request.Tolerance, request.PartialCredit, request.FollowThrough);
                submissions = request.Submissions!.Select(s => GradeMapper.ToAnswers(s.Answers!)).ToArray();
                ids = request.Submissions!.Select(s => s.Id!).ToArray();
            }),
            ("grade (session and GradeAll)", () =>
                grades = new GradingSession(problem.Train!.ToProblem(), options, submissions.SelectMany(a => a.Select(x => x.Path))).GradeAll(submissions)),
            ("summary", () => summary = PathSummary.Of(grades)),
            ("write (GradeJsonWriter into a buffer)", () =>
            {
                buffer.ResetWrittenCount();
                using var writer = new Utf8JsonWriter(buffer, GradeJsonWriter.WriterOptionsFor(json));
                var writing = new GradeJsonWriter(writer);
                writing.WriteBatchOpening();
                for (int i = 0; i < grades.Count; i++) writing.WriteSubmission(ids[i], grades[i]);
                writing.WriteBatchClosing(summary, options);
                writer.Flush();
            }),
        ];
        foreach (var row in StageTimer.Run(stages, rounds)) yield return row;
        yield return ($"(response {buffer.WrittenCount:N0} bytes)", 0, 0, 0, 0, 0);
    }

    /// <summary>
    /// <c>-- --train FILE</c>: a /v1/train body's time in process, stage by stage as the endpoint takes it: reading (from
    /// a pipe, and at once), the null-element check, the validator, mapping, and the run with its trace written into a
    /// reused buffer.
    /// </summary>
    public static IEnumerable<(string Name, double Median, double Best, double Cpu, double Ran, double AllocatedMB)> RunTrain(string file, int rounds = 15)
    {
        var (provider, json) = Services();
        byte[] body = File.ReadAllBytes(file);
        var validator = provider.GetRequiredService<IValidator<TrainRequest>>();
        var response = new MemoryStream(64 * 1024 * 1024);
        TrainRequest request = null!;
        GradApi.Domain.Training.TrainingProblem problem = null!;
        (string, Action)[] stages =
        [
            ("read: DeserializeAsync from a pipe (64 KB pieces)", () => request = ReadFromPipe<TrainRequest>(body, json).GetAwaiter().GetResult()),
            ("read: Deserialize from the bytes at once", () => request = JsonSerializer.Deserialize<TrainRequest>(body, json)!),
            ("null elements", () => NullElements.Find(request, NullElements.MaxReported)),
            ("validate and price", () =>
            {
                if (!validator.Validate(new ValidationContext<TrainRequest>(request)).IsValid) throw new InvalidOperationException("the request is invalid");
            }),
            ("map", () => problem = request.ToProblem()),
            ("run and write the trace", () =>
            {
                response.SetLength(0);
                var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = provider };
                context.Response.Body = response;
                new TrainTraceResult(problem, request).ExecuteAsync(context).GetAwaiter().GetResult();
            }),
        ];
        foreach (var row in StageTimer.Run(stages, rounds)) yield return row;
        yield return ($"(response {response.Length:N0} bytes)", 0, 0, 0, 0, 0);
    }

    static (ServiceProvider Provider, JsonSerializerOptions Json) Services()
    {
        MathNet.Numerics.Control.UseSingleThread();
        var services = new ServiceCollection();
        services.AddLogging();
        // The host's JSON options: ASP.NET's web defaults, its relaxed encoder, then the service's own settings.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        services.AddGradJson();
        ServiceLimits.AddTo(services, new ConfigurationBuilder().Build());
        services.AddGradValidation();
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions);
    }

    // As the host reads a body: the serializer over a pipe the bytes arrive in, a socket's piece at a time.
    static async Task<T> ReadFromPipe<T>(byte[] body, JsonSerializerOptions json)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        for (int at = 0; at < body.Length; at += 64 * 1024)
        {
            pipe.Writer.Write(body.AsSpan(at, Math.Min(64 * 1024, body.Length - at)));
            await pipe.Writer.FlushAsync();
        }
        await pipe.Writer.CompleteAsync();
        return (await JsonSerializer.DeserializeAsync<T>(pipe.Reader.AsStream(), json))!;
    }
}

/// <summary>
/// Times stages in order, round after round, each from a clean heap. The machine is shared: the best round and the
/// process's CPU time (all threads, the collector's too) say more than the median alone.
/// </summary>
static class StageTimer
{
    public static IEnumerable<(string Name, double Median, double Best, double Cpu, double Ran, double AllocatedMB)> Run((string, Action)[] stages, int rounds)
    {
        var times = stages.Select(_ => new List<double>()).ToArray();
        var cpu = stages.Select(_ => new List<double>()).ToArray();
        var allocated = new double[stages.Length];
        var ran = stages.Select(_ => new List<double>()).ToArray();
        var process = Process.GetCurrentProcess();
        for (int r = 0; r < rounds; r++)
            for (int s = 0; s < stages.Length; s++)
            {
                // Each stage starts on a clean heap, so the collections it pays for are its own garbage's.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                double ranBefore = ThreadRunMilliseconds();
                long bytesBefore = GC.GetTotalAllocatedBytes(precise: true);
                var watch = Stopwatch.StartNew();
                stages[s].Item2();
                times[s].Add(watch.Elapsed.TotalMilliseconds);
                ran[s].Add(ThreadRunMilliseconds() - ranBefore);
                allocated[s] = (GC.GetTotalAllocatedBytes(precise: true) - bytesBefore) / 1e6;
                process.Refresh();
                cpu[s].Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            }
        for (int s = 0; s < stages.Length; s++)
            yield return (stages[s].Item1, Median(times[s]), times[s].Min(), Median(cpu[s]), Median(ran[s]), allocated[s]);
    }

    // The time this thread spent on a CPU (Linux's schedstat, in ns): on a shared machine, what a single-threaded stage
    // cost without the time it waited for a core. NaN where there is no such file.
    static double ThreadRunMilliseconds()
    {
        try { return long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0]) / 1e6; }
        catch (IOException) { return double.NaN; }
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
