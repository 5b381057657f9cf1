using System.Diagnostics;
using System.Text.Json;
using FluentValidation;
using GradApi.Contracts;
using GradApi.Domain.Grading;
using GradApi.Endpoints;
using GradApi.Json;
using GradApi.Limits;
using GradApi.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GradApi.Benchmarks;

/// <summary>
/// --overhead [grade-body-file]: the stages of one small /v1/train and one /v1/grade (seed 001, 20 answers) in process
/// (the grade on a fresh set-up, and on one kept from an earlier sheet as GradingSetUps keeps it),
/// each timed over many calls with a stopwatch, so the request's cost outside Kestrel can be split between reading,
/// checks, domain and writing.
/// </summary>
public static class OverheadQuick
{
    public static IEnumerable<(string Name, double Us)> Run(string? gradeBody)
    {
        var (provider, json) = Services();

        byte[] train = System.Text.Encoding.UTF8.GetBytes(Problems.Seed001Json);
        var trainValidator = provider.GetRequiredService<IValidator<TrainRequest>>();
        yield return ("train: read", Time(() => JsonSerializer.Deserialize<TrainRequest>(train, json)));
        yield return ("train: read, the endpoint's own reader", Time(() => ReadFast<TrainRequest>(train, json, TrainRequestReader.TryRead)));
        if (Environment.GetEnvironmentVariable("OVERHEAD_JSON_VARIANTS") is not null)
        {
            var dup = new JsonSerializerOptions(json) { AllowDuplicateProperties = true };
            yield return ("train: read, duplicates allowed", Time(() => JsonSerializer.Deserialize<TrainRequest>(train, dup)));
            var unmapped = new JsonSerializerOptions(json) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip };
            yield return ("train: read, unmapped skipped", Time(() => JsonSerializer.Deserialize<TrainRequest>(train, unmapped)));
            var plain = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            yield return ("train: read, web defaults", Time(() => JsonSerializer.Deserialize<TrainRequest>(train, plain)));
            yield return ("train: parse document", Time(() => JsonDocument.Parse(train)));
            yield return ("train: read again", Time(() => JsonSerializer.Deserialize<TrainRequest>(train, json)));
            var copy = new JsonSerializerOptions(json);
            yield return ("train: read, a copy of the options", Time(() => JsonSerializer.Deserialize<TrainRequest>(train, copy)));
        }
        var trainRequest = JsonSerializer.Deserialize<TrainRequest>(train, json)!;
        yield return ("train: null elements", Time(() => NullElements.Find(trainRequest, 10)));
        yield return ("train: validate", Time(() => trainValidator.Validate(new ValidationContext<TrainRequest>(trainRequest))));
        yield return ("train: to problem", Time(() => trainRequest.ToProblem()));
        var trainProblem = trainRequest.ToProblem();
        yield return ("train: run alone", Time(() =>
        {
            var run = new GradApi.Domain.Training.TrainingRun(trainProblem, cancellation: default, reuseBuffers: true);
            int n = 0;
            foreach (var _ in run.Iterations()) n++;
            return n;
        }));
        yield return ("train: run + write", Time(() => Write(provider, new TrainTraceResult(trainRequest.ToProblem(), trainRequest))));
        // A trace's numbers as ShortestDouble writes them: 17-digit ones, and short decimals and small integers as inputs and
        // initial weights are, each set 1000 numbers.
        var random = new Random(13);
        double[] long17 = [.. Enumerable.Range(0, 1000).Select(_ => 2 * random.NextDouble() - 1)];
        double[] short1 = [.. Enumerable.Range(0, 1000).Select(i => Math.Round(2 * random.NextDouble() - 1, 1 + i % 3))];
        double[] ones = [.. Enumerable.Range(0, 1000).Select(i => (double)(1 << (i % 4)) * (i % 2 == 0 ? 1 : -1))];
        yield return ("numbers: 1000 of 17 digits", Time(() => FormatAll(long17)));
        yield return ("numbers: 1000 of 1-3 decimals", Time(() => FormatAll(short1)));
        yield return ("numbers: 1000 powers of two", Time(() => FormatAll(ones)));

        if (gradeBody is null) yield break;
        byte[] grade = File.ReadAllBytes(gradeBody);
        var gradeValidator = provider.GetRequiredService<IValidator<GradeRequest>>();
        yield return ("grade: read", Time(() => JsonSerializer.Deserialize<GradeRequest>(grade, json)));
        var gradeRequest = JsonSerializer.Deserialize<GradeRequest>(grade, json)!;
        yield return ("grade: null elements", Time(() => NullElements.Find(gradeRequest, 10)));
        yield return ("grade: validate", Time(() => gradeValidator.Validate(new ValidationContext<GradeRequest>(gradeRequest))));
        var problem = gradeRequest.Problem!.Train!.ToProblem();
        var options = GradeMapper.ToOptions(gradeRequest.Tolerance, gradeRequest.PartialCredit, gradeRequest.FollowThrough);
        var answers = GradeMapper.ToAnswers(gradeRequest.Answers!);
        yield return ("grade: session", Time(() => new GradingSession(problem, options, answers.Select(a => a.Path))));
        yield return ("grade: session + grade", Time(() => new GradingSession(problem, options, answers.Select(a => a.Path)).Grade(answers)));
        // What a class's later sheets cost: the set-up kept from the first sheet (GradingSetUps), only the sheet's own work.
        var kept = GradingSetUp.Shared(problem, answers.Select(a => a.Path), CancellationToken.None);
        yield return ("grade: kept set-up + grade", Time(() => new GradingSession(kept, options).Grade(answers)));
        var graded = new GradingSession(problem, options, answers.Select(a => a.Path)).Grade(answers);
        yield return ("grade: write", Time(() => Write(provider, new GradeResult(graded, options))));
    }

    /// <summary>--overhead-loop stage file seconds: one stage (validate, session, grade, read, read-async as the framework reads a body, from a pipe, read-fast as the endpoint reads it, write; read-batch, read-batch-async and read-batch-fast for a /v1/grade/batch body, grade-batch its grading (the session, then every sheet in order on one thread, repeats too); run, the domain run alone as the endpoint makes it, train (run + write), train-read, train-read-async and train-read-fast, the endpoint's own reader, for a /v1/train body; numbers, 1000 17-digit doubles formatted, the file unused) over and over, for a profiler to sample.</summary>
    public static int Loop(string stage, string gradeBody, double seconds)
    {
        var (provider, json) = Services();
        byte[] body = File.ReadAllBytes(gradeBody);
        if (stage == "read-batch-async")
            return Repeat(stage, seconds, () => JsonSerializer.DeserializeAsync<GradeBatchRequest>(System.IO.Pipelines.PipeReader.Create(new System.Buffers.ReadOnlySequence<byte>(body)), json).AsTask().Result);
        if (stage == "read-batch-fast") return Repeat(stage, seconds, () => ReadFast<GradeBatchRequest>(body, json, GradeBatchRequestReader.TryRead));
        if (stage == "read-batch") return Repeat(stage, seconds, () => JsonSerializer.Deserialize<GradeBatchRequest>(body, json));
        if (stage == "grade-batch")
        {
            var batch = JsonSerializer.Deserialize<GradeBatchRequest>(body, json)!;
            var batchProblem = batch.Problem!.Train!.ToProblem();
            var batchOptions = GradeMapper.ToOptions(batch.Tolerance, batch.PartialCredit, batch.FollowThrough);
            var sheets = batch.Submissions!.Select(s => GradeMapper.ToAnswers(s.Answers!)).ToArray();
            // In order on this one thread, as the endpoint's GradedAhead grades a class, every sheet graded (repeats too).
            return Repeat(stage, seconds, () =>
            {
                var session = new GradingSession(batchProblem, batchOptions, sheets.SelectMany(a => a.Select(x => x.Path)));
                var grades = new SubmissionGrade[sheets.Length];
                for (int i = 0; i < sheets.Length; i++) grades[i] = session.Grade(sheets[i]);
                return grades;
            });
        }
        if (stage == "numbers")
        {
            var random = new Random(13);
            double[] values = [.. Enumerable.Range(0, 1000).Select(_ => 2 * random.NextDouble() - 1)];
            return Repeat(stage, seconds, () => FormatAll(values));
        }
        if (stage == "train-read-fast") return Repeat(stage, seconds, () => ReadFast<TrainRequest>(body, json, TrainRequestReader.TryRead));
        if (stage == "train-read") return Repeat(stage, seconds, () => JsonSerializer.Deserialize<TrainRequest>(body, json));
        if (stage == "train-read-async")
            return Repeat(stage, seconds, () => JsonSerializer.DeserializeAsync<TrainRequest>(System.IO.Pipelines.PipeReader.Create(new System.Buffers.ReadOnlySequence<byte>(body)), json).AsTask().Result);
        if (stage == "run")
        {
            var runProblem = JsonSerializer.Deserialize<TrainRequest>(body, json)!.ToProblem();
            return Repeat(stage, seconds, () =>
            {
                var run = new GradApi.Domain.Training.TrainingRun(runProblem, cancellation: default, reuseBuffers: true);
                int n = 0;
                foreach (var _ in run.Iterations()) n++;
                return run.Final.Count + n;
            });
        }
        if (stage == "train")
        {
            var request = JsonSerializer.Deserialize<TrainRequest>(body, json)!;
            return Repeat(stage, seconds, () => Write(provider, new TrainTraceResult(request.ToProblem(), request)));
        }
        var gradeRequest = JsonSerializer.Deserialize<GradeRequest>(body, json)!;
        var validator = provider.GetRequiredService<IValidator<GradeRequest>>();
        var problem = gradeRequest.Problem!.Train!.ToProblem();
        var options = GradeMapper.ToOptions(gradeRequest.Tolerance, gradeRequest.PartialCredit, gradeRequest.FollowThrough);
        var answers = GradeMapper.ToAnswers(gradeRequest.Answers!);
        var graded = new GradingSession(problem, options, answers.Select(a => a.Path)).Grade(answers);
        // As the endpoint grades a class's later sheets: on the set-up kept from the first (GradingSetUps).
        var keptSetUp = GradingSetUp.Shared(problem, answers.Select(a => a.Path), CancellationToken.None);
        // And writes them: the answers rendered for earlier sheets on that set-up (rendered at the second sight).
        var renderings = AnswerRenderings.ForKeptSetUp();
        Func<object?> action = stage switch
        {
            "read" => () => JsonSerializer.Deserialize<GradeRequest>(body, json),
            "read-fast" => () => ReadFast<GradeRequest>(body, json, GradeRequestReader.TryRead),
            "read-fast-kept" => RememberingProblem(body, json),
            "read-async" => () => JsonSerializer.DeserializeAsync<GradeRequest>(System.IO.Pipelines.PipeReader.Create(new System.Buffers.ReadOnlySequence<byte>(body)), json).AsTask().Result,
            "validate" => () => validator.Validate(new ValidationContext<GradeRequest>(gradeRequest)),
            "session" => () => new GradingSession(problem, options, answers.Select(a => a.Path)),
            "write" => () => Write(provider, new GradeResult(graded, options)),
            "kept-grade" => () => new GradingSession(keptSetUp, options).Grade(answers),
            "write-kept" => () => Write(provider, new GradeResult(graded, options, shared: renderings)),
            _ => () => new GradingSession(problem, options, answers.Select(a => a.Path)).Grade(answers),
        };
        return Repeat(stage, seconds, action);
    }

    // As /v1/train and /v1/grade read their bodies (JsonBody with the contract's own reader), a whole body in one pass.
    static T? ReadFast<T>(byte[] body, JsonSerializerOptions json, FastJsonReader<T> read)
    {
        var reader = new Utf8JsonReader(body);
        reader.Read();
        return read(ref reader, json, out var request) ? request : throw new InvalidOperationException("left to the serializer");
    }

    // A class's later sheets as the endpoint reads them: the problem remembered from the first (GradingSetUps.Keep).
    static Func<object?> RememberingProblem(byte[] body, JsonSerializerOptions json)
    {
        var first = ReadFast<GradeRequest>(body, json, GradeRequestReader.TryRead)!;
        GradeProblemJsonConverter.Remember(first.Problem!.TrainTokens!, first.Problem.Train!, json);
        return () => ReadFast<GradeRequest>(body, json, GradeRequestReader.TryRead) is { Problem.Remembered: true } read ? read
            : throw new InvalidOperationException("the problem was not remembered");
    }

    static int Repeat(string stage, double seconds, Func<object?> action)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        int n = 0;
        while (watch.Elapsed.TotalSeconds < seconds) { action(); n++; }
        Console.WriteLine($"{n} x {stage}, {watch.Elapsed.TotalMicroseconds / n:F1} us and {(GC.GetAllocatedBytesForCurrentThread() - allocated) / n} B each");
        return n;
    }

    static object? Write(IServiceProvider provider, IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = provider };
        context.Response.Body = new MemoryStream();
        result.ExecuteAsync(context).GetAwaiter().GetResult();
        return context.Response.Body.Length;
    }

    static object? FormatAll(double[] values)
    {
        Span<byte> text = stackalloc byte[ShortestDouble.MaxLength];
        int length = 0;
        foreach (var v in values) length += ShortestDouble.Format(v, text);
        return length;
    }

    static double Time(Func<object?> action)
    {
        // Long enough for tiered compilation to promote the hot methods (its delay is 100 ms after the last tier-0 JIT).
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 600) action();
        double best = double.MaxValue;
        for (int round = 0; round < 25; round++)
        {
            const int n = 500;
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < n; i++) action();
            best = Math.Min(best, watch.Elapsed.TotalMicroseconds / n);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) action();
        Console.Write($"[{(GC.GetAllocatedBytesForCurrentThread() - before) / 100} B] ");
        return best;
    }

    // The service's JSON options, limits and validators as the host registers them, on one thread.
    static (ServiceProvider Provider, JsonSerializerOptions Json) Services()
    {
        MathNet.Numerics.Control.UseSingleThread();
        var services = new ServiceCollection();
        services.AddGradJson();
        ServiceLimits.AddTo(services, new ConfigurationBuilder().Build());
        services.AddGradValidation();
        services.AddLogging();
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions);
    }
}
