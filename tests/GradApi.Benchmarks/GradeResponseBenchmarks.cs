using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using GradApi.Contracts;
using GradApi.Domain.Grading;
using GradApi.Endpoints;
using GradApi.Json;

namespace GradApi.Benchmarks;

/// <summary>
/// Writing the /v1/grade/batch response for the class of <see cref="GradingBenchmarks"/> (1000 x 20, 8.3 MB):
/// the records serialized by reflection, as the endpoint did, against <see cref="GradeJsonWriter"/> from the grades.
/// Both write into a reused buffer, so the figures are the JSON's cost alone, not the network's.
/// </summary>
[MemoryDiagnoser]
[GcServer(true)]
public class GradeResponseBenchmarks
{
    static readonly GradingOptions Options = GradingOptions.Default with { Tolerance = new Tolerance(ToleranceKind.Decimals, Decimals: 4) };

    readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024 * 1024);
    JsonSerializerOptions _json = null!;
    string[] _ids = null!;
    IReadOnlyList<SubmissionGrade> _grades = null!;

    [GlobalSetup]
    public void Setup()
    {
        MathNet.Numerics.Control.UseSingleThread();
        var problem = Problems.Seed001().ToProblem();
        var (paths, submissions) = GradingBenchmarks.Classroom(problem, GradingBenchmarks.Students);
        _grades = new GradingSession(problem, Options, paths).GradeAll(submissions);
        _ids = Enumerable.Range(0, submissions.Length).Select(s => $"s{s:0000}").ToArray();
        // The app's options: ASP.NET's web defaults with its relaxed encoder, then the service's own settings.
        _json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        JsonSetup.Configure(_json);
    }

    [Benchmark(Baseline = true, Description = "Batch response: records + JsonSerializer")]
    public int Records()
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer, GradeJsonWriter.WriterOptionsFor(_json));
        JsonSerializer.Serialize(writer, GradeMapper.ToResponse(_ids, _grades, Options), _json);
        writer.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark(Description = "Batch response: GradeJsonWriter")]
    public int Writer()
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer, GradeJsonWriter.WriterOptionsFor(_json));
        var json = new GradeJsonWriter(writer);
        json.WriteBatchOpening();
        for (int i = 0; i < _grades.Count; i++) json.WriteSubmission(_ids[i], _grades[i]);
        json.WriteBatchClosing(PathSummary.Of(_grades), Options);
        writer.Flush();
        return _buffer.WrittenCount;
    }
}
