using BenchmarkDotNet.Attributes;
using GradApi.Contracts;
using GradApi.Domain.Grading;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Benchmarks;

/// <summary>
/// Grading a class: 1000 submissions of seed 001 (3-2-1 sigmoid, heavy-ball momentum, 2 iterations),
/// 20 answers each, follow-through and diagnoses on. Most students are right to 4 decimals; every
/// third one slips somewhere, which costs a follow-through run and the diagnoses.
/// <list type="bullet">
/// <item>Batch: one <see cref="GradingSession"/> (one reference run, mistake runs made once) for all 1000, graded on
/// both cores, plus the summary. As /v1/grade/batch does, each distinct sheet is graded once (<see cref="IdenticalSheets"/>):
/// this class holds 21 (the right sheet and 20 slips).</item>
/// <item>Batch, distinct sheets: the same class with each sheet's first number moved by s x 1e-9 (the same verdicts at 4
/// decimals), so no sheet repeats: every one is graded, plus the cost of looking for repeats.</item>
/// <item>Batch, one core: every submission graded, one after another (no repeats looked for).</item>
/// <item>Single: one session for one submission, as a /v1/grade call does; x1000 for the comparison.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[GcServer(true)] // as the host runs: the Web SDK turns server GC on (GradApi.runtimeconfig.json)
public class GradingBenchmarks
{
    public const int Students = 1000;

    // The contract's example marks to 4 decimals, as the students round.
    static readonly GradingOptions Options = GradingOptions.Default with { Tolerance = new Tolerance(ToleranceKind.Decimals, Decimals: 4) };

    TrainingProblem _problem = null!;
    Answer[][] _class = null!;
    Answer[][] _distinct = null!;
    string[] _paths = null!;

    [GlobalSetup]
    public void Setup()
    {
        MathNet.Numerics.Control.UseSingleThread();
        _problem = Problems.Seed001().ToProblem();
        (_paths, _class) = Classroom(_problem, Students);
        _distinct = [.. _class.Select((sheet, s) => sheet.Select((answer, i) => i > 0 ? answer : Nudged(answer, s * 1e-9)).ToArray())];
    }

    static Answer Nudged(Answer answer, double by)
    {
        var tensor = answer.Value.Tensor!;
        double[] values = [.. tensor.Data];
        values[0] += by;
        return answer with { Value = SubmittedValue.Of(new Tensor(tensor.Shape, values)) };
    }

    [Benchmark(Baseline = true, Description = "Grade batch: 1000 submissions x 20 answers, seed001")]
    public int GradeBatch()
    {
        var session = new GradingSession(_problem, Options, _paths);
        return PathSummary.Of(session.GradeAll(_class)).Count;
    }

    [Benchmark(Description = "Grade batch, distinct sheets: 1000 x 20, seed001")]
    public int GradeBatchDistinct()
    {
        var session = new GradingSession(_problem, Options, _paths);
        return PathSummary.Of(session.GradeAll(_distinct)).Count;
    }

    [Benchmark(Description = "Grade batch on one core: 1000 x 20, seed001")]
    public int GradeBatchSequential()
    {
        var session = new GradingSession(_problem, Options, _paths);
        var grades = new SubmissionGrade[_class.Length];
        for (int s = 0; s < grades.Length; s++) grades[s] = session.Grade(_class[s]);
        return PathSummary.Of(grades).Count;
    }

    [Benchmark(Description = "Grade single: 1 submission x 20 answers, seed001 (x1000 = 1000 /v1/grade calls)")]
    public double GradeSingle()
    {
        var answers = _class[2]; // a student with a slip: follow-through and diagnoses run
        return new GradingSession(_problem, Options, answers.Select(a => a.Path)).Grade(answers).PointsAwarded;
    }

    /// <summary>20 answers per student, from the reference rounded to 4 decimals; every third student slips once.</summary>
    public static (string[] Paths, Answer[][] Submissions) Classroom(TrainingProblem problem, int students)
    {
        var trace = new TrainingRun(problem).Iterations().ToArray();
        var first = trace[0];
        var tensors = new (string Path, Tensor Value)[]
        {
            ("/iterations/0/forward/layers/0/z", first.Forward[0].Z),
            ("/iterations/0/forward/layers/0/a", first.Forward[0].A),
            ("/iterations/0/forward/layers/0/activationDerivative", first.Forward[0].ActivationDerivative),
            ("/iterations/0/forward/layers/1/z", first.Forward[1].Z),
            ("/iterations/0/forward/layers/1/a", first.Forward[1].A),
            ("/iterations/0/forward/layers/1/activationDerivative", first.Forward[1].ActivationDerivative),
            ("/iterations/0/loss/value", Tensor.Scalar(first.Loss.Value)),
            ("/iterations/0/backward/outputGradient", first.OutputGradient),
            ("/iterations/0/backward/layers/1/delta", first.Backward[1].Delta),
            ("/iterations/0/backward/layers/0/delta", first.Backward[0].Delta),
            ("/iterations/0/backward/layers/1/weightGradient", first.Backward[1].WeightGradient),
            ("/iterations/0/backward/layers/1/biasGradient", first.Backward[1].BiasGradient!),
            ("/iterations/0/backward/layers/0/weightGradient", first.Backward[0].WeightGradient),
            ("/iterations/0/backward/layers/0/biasGradient", first.Backward[0].BiasGradient!),
            ("/iterations/0/update/layers/1/state/v/weights", first.Update[1].State[0].Weights),
            ("/iterations/0/update/layers/1/weights", first.Update[1].Weights),
            ("/iterations/0/update/layers/1/biases", first.Update[1].Biases!),
            ("/iterations/0/update/layers/0/weights", first.Update[0].Weights),
            ("/iterations/0/update/layers/0/biases", first.Update[0].Biases!),
            ("/iterations/1/forward/layers/1/a", trace[1].Forward[1].A),
        };
        var submissions = new Answer[students][];
        for (int s = 0; s < students; s++)
        {
            submissions[s] = tensors.Select((t, i) =>
            {
                var values = t.Value.Data.Select(x => Math.Round(x, 4)).ToArray();
                if (s % 3 == 2 && i == s % tensors.Length) values[0] = -values[0] + 0.01; // a slip
                return new Answer(t.Path, SubmittedValue.Of(new Tensor(t.Value.Shape, values)));
            }).ToArray();
        }
        return (tensors.Select(t => t.Path).ToArray(), submissions);
    }
}
