using System.Text.Json.Nodes;

namespace GradApi.Tests.Grading.SimulatedClass;

/// <summary>How a tensor is written in JSON: a number, a vector or a matrix (rows).</summary>
internal enum Rank { Scalar, Vector, Matrix }

/// <summary>
/// A small dense tensor of the simulated class, stored as rows (a vector is one row, a scalar one element).
/// Test-only arithmetic: nothing here comes from GradApi.Domain.
/// </summary>
internal sealed class T2
{
    public double[][] V { get; }
    public Rank Rank { get; }
    public int Rows => V.Length;
    public int Columns => V[0].Length;

    public T2(double[][] values, Rank rank = Rank.Matrix)
    {
        V = values;
        Rank = rank;
    }

    public static T2 Scalar(double x) => new([[x]], Rank.Scalar);
    public static T2 Vector(double[] x) => new([x], Rank.Vector);
    public static T2 Zeros(int rows, int columns, Rank rank = Rank.Matrix) =>
        new(Enumerable.Range(0, rows).Select(_ => new double[columns]).ToArray(), rank);
    public static T2 ZerosLike(T2 t) => Zeros(t.Rows, t.Columns, t.Rank);

    public T2 Map(Func<double, double> f) => new(V.Select(r => r.Select(f).ToArray()).ToArray(), Rank);

    public T2 Zip(T2 other, Func<double, double, double> f)
    {
        if (!SameShape(other)) throw new InvalidOperationException("shapes differ");
        return new(V.Select((r, i) => r.Select((x, j) => f(x, other.V[i][j])).ToArray()).ToArray(), Rank);
    }

    public static T2 operator +(T2 a, T2 b) => a.Zip(b, (x, y) => x + y);
    public static T2 operator -(T2 a, T2 b) => a.Zip(b, (x, y) => x - y);
    public static T2 operator *(double s, T2 a) => a.Map(x => s * x);
    public static T2 operator -(T2 a) => a.Map(x => -x);
    public T2 Hadamard(T2 b) => Zip(b, (x, y) => x * y);

    /// <summary>[r][k] times [k][c].</summary>
    public T2 MatMul(T2 b)
    {
        if (Columns != b.Rows) throw new InvalidOperationException("inner sizes differ");
        var result = new double[Rows][];
        for (int i = 0; i < Rows; i++)
        {
            result[i] = new double[b.Columns];
            for (int j = 0; j < b.Columns; j++)
            {
                double sum = 0;
                for (int k = 0; k < Columns; k++) sum += V[i][k] * b.V[k][j];
                result[i][j] = sum;
            }
        }
        return new(result);
    }

    public T2 Transpose() =>
        new(Enumerable.Range(0, Columns).Select(j => Enumerable.Range(0, Rows).Select(i => V[i][j]).ToArray()).ToArray());

    /// <summary>Each row plus the vector b (a bias added to every example).</summary>
    public T2 AddRow(T2 b) => new(V.Select(r => r.Select((x, j) => x + b.V[0][j]).ToArray()).ToArray(), Rank);

    /// <summary>The sum of the rows, as a vector (the bias gradient summed over the batch).</summary>
    public T2 SumRows() => Vector(Enumerable.Range(0, Columns).Select(j => V.Sum(r => r[j])).ToArray());

    public T2 AsRank(Rank rank) => new(V, rank);

    public bool SameShape(T2 other) => Rows == other.Rows && Columns == other.Columns;

    public bool IsFinite(double limit) => V.All(r => r.All(x => double.IsFinite(x) && Math.Abs(x) <= limit));

    /// <summary>Rounded as by hand: half away from zero on the decimal digits (0.03915 gives 0.0392); null keeps every digit.</summary>
    public T2 Round(int? decimals) => decimals is int d ? Map(x => RoundHalfUp(x, d)) : this;

    public static double RoundHalfUp(double x, int decimals)
    {
        if (!double.IsFinite(x) || Math.Abs(x) > 1e15) return x;
        // The decimal conversion keeps 15 significant digits, so a binary 0.039149999999999994 rounds as the 0.03915 it stands for.
        return (double)Math.Round((decimal)x, decimals, MidpointRounding.AwayFromZero) + 0.0;
    }

    /// <summary>Every element within the tolerance of the other's (same shape required).</summary>
    public bool Within(T2 other, double tolerance) =>
        SameShape(other) && V.Select((r, i) => r.Select((x, j) => Math.Abs(x - other.V[i][j]) < tolerance).All(b => b)).All(b => b);

    public bool AllNear(double value, double tolerance) => V.All(r => r.All(x => Math.Abs(x - value) < tolerance));

    public JsonNode ToJson() => Rank switch
    {
        Rank.Scalar => JsonValue.Create(V[0][0]),
        Rank.Vector => new JsonArray(V[0].Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
        _ => new JsonArray(V.Select(r => (JsonNode)new JsonArray(r.Select(x => (JsonNode)JsonValue.Create(x)).ToArray())).ToArray()),
    };

    public override string ToString() => ToJson().ToJsonString();
}
