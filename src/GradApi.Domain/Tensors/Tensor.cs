using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GradApi.Domain.Tensors;

/// <summary>
/// A dense row-major array of doubles with a shape: a scalar has shape [], a vector [n],
/// a batch of vectors [B][n], a weight matrix [out][in], a batch of Jacobians [B][n][n].
/// One type for every traced value, so tracing, overriding and comparing stay uniform.
/// </summary>
public sealed class Tensor
{
    public Tensor(int[] shape, double[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (ElementCount(shape) != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] needs {ElementCount(shape)} values, got {data.Length}");
        Shape = shape;
        Data = data;
    }

    /// <summary>The dimensions. Never written, by the tensor or anyone: small shapes are shared between tensors.</summary>
    public int[] Shape { get; }

    /// <summary>The values in row-major order. Owned by this tensor; copy before mutating a shared one.</summary>
    public double[] Data { get; }

    public int Rank => Shape.Length;
    public int Length => Data.Length;
    public int Rows => Shape[0];
    public int Columns => Shape[^1];

    public double this[int i] => Data[i];
    public double this[int row, int column] => Data[row * Shape[1] + column];

    public Span<double> Row(int row) => Data.AsSpan(row * Shape[1], Shape[1]);
    public ReadOnlySpan<double> ReadRow(int row) => Data.AsSpan(row * Shape[1], Shape[1]);

    public static Tensor Zeros(params int[] shape) => new(shape, new double[ElementCount(shape)]);
    public static Tensor Zeros(int length) => new(VectorShape(length), new double[length]);
    public static Tensor Zeros(int rows, int columns) => new(MatrixShape(rows, columns), new double[rows * columns]);
    public static Tensor Scalar(double value) => new([], [value]);
    public static Tensor Vector(params double[] values) => new(VectorShape(values.Length), values);

    // Shapes of up to SharedShapes in each dimension, made once: a seed-sized run's tensors each allocated one of their own.
    const int SharedShapes = 32;
    static readonly int[]?[] Vectors = new int[SharedShapes][];
    static readonly int[]?[] Matrices = new int[SharedShapes * SharedShapes][];

    /// <summary>The shape [length], shared when small (shapes are never written).</summary>
    public static int[] VectorShape(int length) =>
        (uint)length < SharedShapes ? Vectors[length] ??= [length] : [length];

    /// <summary>The shape [rows][columns], shared when small (shapes are never written).</summary>
    public static int[] MatrixShape(int rows, int columns) =>
        (uint)rows < SharedShapes && (uint)columns < SharedShapes ? Matrices[rows * SharedShapes + columns] ??= [rows, columns] : [rows, columns];

    public static Tensor Matrix(double[][] rows)
    {
        int columns = rows.Length == 0 ? 0 : rows[0].Length;
        var data = new double[rows.Length * columns];
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r].Length != columns) throw new ArgumentException($"row {r} has {rows[r].Length} columns, expected {columns}");
            rows[r].CopyTo(data, r * columns);
        }
        return new Tensor(MatrixShape(rows.Length, columns), data);
    }

    // Uninitialized arrays filled by a span copy: Array.Clone was a fifth of grading's follow-through runs. The shape is
    // shared: never written.
    public Tensor Copy()
    {
        var data = GC.AllocateUninitializedArray<double>(Data.Length);
        Data.AsSpan().CopyTo(data);
        return new(Shape, data);
    }

    public bool SameShape(Tensor other) => Shape.AsSpan().SequenceEqual(other.Shape);

    public bool AllFinite()
    {
        // x - x is 0 for a finite x and NaN for an infinite or NaN one, and a NaN survives any sum: the differences are
        // added up, four vectors at a time, and looked at once per block (no branch per element).
        var data = Data.AsSpan();
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double start = ref MemoryMarshal.GetReference(data);
            while (i + 16 <= data.Length)
            {
                var s0 = Vector256<double>.Zero;
                var s1 = s0;
                int end = Math.Min(data.Length & ~7, i + 4096);
                for (; i < end; i += 8)
                {
                    var x0 = Vector256.LoadUnsafe(ref start, (nuint)i);
                    var x1 = Vector256.LoadUnsafe(ref start, (nuint)(i + 4));
                    s0 += x0 - x0;
                    s1 += x1 - x1;
                }
                if (!Vector256.EqualsAll(s0 + s1, Vector256<double>.Zero)) return false;
            }
        }
        for (; i < data.Length; i++) if (!double.IsFinite(data[i])) return false;
        return true;
    }

    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        int count = 1;
        foreach (var d in shape) count *= d;
        return count;
    }

    public override string ToString() => $"Tensor[{string.Join("x", Shape)}]";
}
