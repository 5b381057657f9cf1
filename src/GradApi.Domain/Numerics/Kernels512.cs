using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GradApi.Domain.Numerics;

/// <summary>
/// The same products in 512-bit lanes where the hardware has them (eight doubles a vector, 32 registers): the same
/// operations in the same order per sum as the 256-bit kernels and the scalar loops, so the same bits; only more
/// independent sums run at once. Register blocks of 4 rows x 32 examples (forward) and 8 rows x 16 columns (weight
/// gradient) keep sixteen accumulators live and each operand loaded once per block.
/// </summary>
internal static partial class Kernels
{
    /// <summary><see cref="AffineSums"/> in 512-bit lanes across examples.</summary>
    internal static void AffineSums512(ReadOnlySpan<double> weights, int rows, int columns, ReadOnlySpan<double> biases,
        ReadOnlySpan<double> inputs, int batch, Span<double> z, CancellationToken cancellation)
    {
        // The inputs transposed to [columns][lanes], the examples padded with zeros to whole vectors of 8.
        int lanes = (batch + 7) & ~7;
        double[] transposed = ArrayPool<double>.Shared.Rent(columns * lanes + 8);
        try
        {
            ref double x = ref AlignedStart(transposed);
            Transpose(inputs, batch, columns, MemoryMarshal.CreateSpan(ref x, columns * lanes), lanes);
            ref double w = ref MemoryMarshal.GetReference(weights);
            Span<double> block = stackalloc double[4 * 32];
            for (int i0 = 0; i0 < rows; i0 += 4)
            {
                cancellation.ThrowIfCancellationRequested();
                int count = Math.Min(4, rows - i0);
                int b0 = 0;
                for (; count == 4 && b0 + 32 <= lanes; b0 += 32)
                {
                    Affine512Block4x32(ref w, i0, columns, biases, ref x, lanes, b0, block);
                    Scatter(block, 32, 4, b0, batch, i0, rows, z);
                }
                for (; b0 < lanes; b0 += 8)
                {
                    for (int r = 0; r < count; r++) Affine512Block1x8(ref w, i0 + r, columns, biases, ref x, lanes, b0, block.Slice(r * 8, 8));
                    Scatter(block, 8, count, b0, batch, i0, rows, z);
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(transposed);
        }
    }

    // The first element of the array on a 64-byte boundary (one cache line, one vector), if the array stays put.
    static unsafe ref double AlignedStart(double[] array)
    {
        ref double start = ref MemoryMarshal.GetArrayDataReference(array);
        nuint address = (nuint)Unsafe.AsPointer(ref start);
        return ref Unsafe.Add(ref start, (int)(((64 - (address & 63)) & 63) / 8));
    }

    static void Transpose(ReadOnlySpan<double> inputs, int batch, int columns, Span<double> transposed, int lanes)
    {
        for (int j = 0; j < columns; j++)
        {
            var column = transposed.Slice(j * lanes, lanes);
            for (int b = 0; b < batch; b++) column[b] = inputs[b * columns + j];
            column[batch..].Clear();
        }
    }

    // block[r][k] (width examples a row) into z[b0 + k][i0 + r], the padding examples left out.
    static void Scatter(ReadOnlySpan<double> block, int width, int count, int b0, int batch, int i0, int rows, Span<double> z)
    {
        for (int r = 0; r < count; r++)
            for (int k = 0; k < width && b0 + k < batch; k++) z[(b0 + k) * rows + i0 + r] = block[r * width + k];
    }

    static void Affine512Block4x32(ref double w, int i0, int columns, ReadOnlySpan<double> biases, ref double x, int lanes, int b0, Span<double> block)
    {
        ref double w0 = ref Unsafe.Add(ref w, i0 * columns);
        ref double w1 = ref Unsafe.Add(ref w0, columns);
        ref double w2 = ref Unsafe.Add(ref w1, columns);
        ref double w3 = ref Unsafe.Add(ref w2, columns);
        Vector512<double> s00 = Bias512(biases, i0), s01 = s00, s02 = s00, s03 = s00;
        Vector512<double> s10 = Bias512(biases, i0 + 1), s11 = s10, s12 = s10, s13 = s10;
        Vector512<double> s20 = Bias512(biases, i0 + 2), s21 = s20, s22 = s20, s23 = s20;
        Vector512<double> s30 = Bias512(biases, i0 + 3), s31 = s30, s32 = s30, s33 = s30;
        ref double column = ref Unsafe.Add(ref x, b0);
        for (int j = 0; j < columns; j++)
        {
            var x0 = Vector512.LoadUnsafe(ref column);
            var x1 = Vector512.LoadUnsafe(ref column, 8);
            var x2 = Vector512.LoadUnsafe(ref column, 16);
            var x3 = Vector512.LoadUnsafe(ref column, 24);
            column = ref Unsafe.Add(ref column, lanes);
            var a = Vector512.Create(Unsafe.Add(ref w0, j));
            s00 += a * x0; s01 += a * x1; s02 += a * x2; s03 += a * x3;
            a = Vector512.Create(Unsafe.Add(ref w1, j));
            s10 += a * x0; s11 += a * x1; s12 += a * x2; s13 += a * x3;
            a = Vector512.Create(Unsafe.Add(ref w2, j));
            s20 += a * x0; s21 += a * x1; s22 += a * x2; s23 += a * x3;
            a = Vector512.Create(Unsafe.Add(ref w3, j));
            s30 += a * x0; s31 += a * x1; s32 += a * x2; s33 += a * x3;
        }
        ref double out0 = ref MemoryMarshal.GetReference(block);
        s00.StoreUnsafe(ref out0, 0); s01.StoreUnsafe(ref out0, 8); s02.StoreUnsafe(ref out0, 16); s03.StoreUnsafe(ref out0, 24);
        s10.StoreUnsafe(ref out0, 32); s11.StoreUnsafe(ref out0, 40); s12.StoreUnsafe(ref out0, 48); s13.StoreUnsafe(ref out0, 56);
        s20.StoreUnsafe(ref out0, 64); s21.StoreUnsafe(ref out0, 72); s22.StoreUnsafe(ref out0, 80); s23.StoreUnsafe(ref out0, 88);
        s30.StoreUnsafe(ref out0, 96); s31.StoreUnsafe(ref out0, 104); s32.StoreUnsafe(ref out0, 112); s33.StoreUnsafe(ref out0, 120);
    }

    static void Affine512Block1x8(ref double w, int i, int columns, ReadOnlySpan<double> biases, ref double x, int lanes, int b0, Span<double> block)
    {
        ref double row = ref Unsafe.Add(ref w, i * columns);
        var s = Bias512(biases, i);
        ref double column = ref Unsafe.Add(ref x, b0);
        for (int j = 0; j < columns; j++)
        {
            s += Vector512.Create(Unsafe.Add(ref row, j)) * Vector512.LoadUnsafe(ref column);
            column = ref Unsafe.Add(ref column, lanes);
        }
        s.StoreUnsafe(ref MemoryMarshal.GetReference(block));
    }

    static Vector512<double> Bias512(ReadOnlySpan<double> biases, int i) => Vector512.Create(biases.IsEmpty ? 0.0 : biases[i]);

    /// <summary><see cref="WeightGradient"/> in 512-bit lanes across columns.</summary>
    internal static void WeightGradient512(ReadOnlySpan<double> delta, int outputs, ReadOnlySpan<double> input, int inputs, int batch,
        Span<double> gradient, CancellationToken cancellation)
    {
        ref double d = ref MemoryMarshal.GetReference(delta);
        ref double x = ref MemoryMarshal.GetReference(input);
        ref double g = ref MemoryMarshal.GetReference(gradient);
        int whole = outputs & ~7, j = 0;
        // Columns outermost: a strip of 16 input columns over the batch stays in L1 while every row block reads it.
        for (; j + 16 <= inputs; j += 16)
        {
            if ((j & 63) == 0) cancellation.ThrowIfCancellationRequested();
            for (int i0 = 0; i0 < whole; i0 += 8) Gradient512Block8x16(ref d, outputs, i0, ref x, inputs, j, batch, ref g);
        }
        cancellation.ThrowIfCancellationRequested();
        for (int i = 0; i < whole; i++) GradientRowTail(ref d, outputs, i, ref x, inputs, j, batch, ref g);
        for (int i = whole; i < outputs; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            GradientRowTail(ref d, outputs, i, ref x, inputs, 0, batch, ref g);
        }
    }

    static void Gradient512Block8x16(ref double d, int outputs, int i0, ref double x, int inputs, int j, int batch, ref double g)
    {
        Vector512<double> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default,
            s40 = default, s41 = default, s50 = default, s51 = default, s60 = default, s61 = default, s70 = default, s71 = default;
        ref double row = ref Unsafe.Add(ref x, j);
        ref double deltas = ref Unsafe.Add(ref d, i0);
        for (int b = 0; b < batch; b++)
        {
            var x0 = Vector512.LoadUnsafe(ref row);
            var x1 = Vector512.LoadUnsafe(ref row, 8);
            row = ref Unsafe.Add(ref row, inputs);
            var a = Vector512.Create(deltas);
            s00 += a * x0; s01 += a * x1;
            a = Vector512.Create(Unsafe.Add(ref deltas, 1));
            s10 += a * x0; s11 += a * x1;
            a = Vector512.Create(Unsafe.Add(ref deltas, 2));
            s20 += a * x0; s21 += a * x1;
            a = Vector512.Create(Unsafe.Add(ref deltas, 3));
            s30 += a * x0; s31 += a * x1;
            a = Vector512.Create(Unsafe.Add(ref deltas, 4));
            s40 += a * x0; s41 += a * x1;
            a = Vector512.Create(Unsafe.Add(ref deltas, 5));
            s50 += a * x0; s51 += a * x1;
            a = Vector512.Create(Unsafe.Add(ref deltas, 6));
            s60 += a * x0; s61 += a * x1;
            a = Vector512.Create(Unsafe.Add(ref deltas, 7));
            s70 += a * x0; s71 += a * x1;
            deltas = ref Unsafe.Add(ref deltas, outputs);
        }
        ref double out0 = ref Unsafe.Add(ref g, i0 * inputs + j);
        s00.StoreUnsafe(ref out0); s01.StoreUnsafe(ref out0, 8);
        out0 = ref Unsafe.Add(ref out0, inputs);
        s10.StoreUnsafe(ref out0); s11.StoreUnsafe(ref out0, 8);
        out0 = ref Unsafe.Add(ref out0, inputs);
        s20.StoreUnsafe(ref out0); s21.StoreUnsafe(ref out0, 8);
        out0 = ref Unsafe.Add(ref out0, inputs);
        s30.StoreUnsafe(ref out0); s31.StoreUnsafe(ref out0, 8);
        out0 = ref Unsafe.Add(ref out0, inputs);
        s40.StoreUnsafe(ref out0); s41.StoreUnsafe(ref out0, 8);
        out0 = ref Unsafe.Add(ref out0, inputs);
        s50.StoreUnsafe(ref out0); s51.StoreUnsafe(ref out0, 8);
        out0 = ref Unsafe.Add(ref out0, inputs);
        s60.StoreUnsafe(ref out0); s61.StoreUnsafe(ref out0, 8);
        out0 = ref Unsafe.Add(ref out0, inputs);
        s70.StoreUnsafe(ref out0); s71.StoreUnsafe(ref out0, 8);
    }

    /// <summary><see cref="BackThrough"/> in 512-bit lanes across columns, 32 columns a block.</summary>
    internal static void BackThrough512(ReadOnlySpan<double> weights, int outputs, int inputs, ReadOnlySpan<double> delta, int batch,
        Span<double> gradient, CancellationToken cancellation)
    {
        ref double w = ref MemoryMarshal.GetReference(weights);
        ref double g = ref MemoryMarshal.GetReference(gradient);
        for (int b = 0; b < batch; b++)
        {
            cancellation.ThrowIfCancellationRequested();
            var deltas = delta.Slice(b * outputs, outputs);
            ref double output = ref Unsafe.Add(ref g, b * inputs);
            int j = 0;
            for (; j + 32 <= inputs; j += 32)
            {
                Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default;
                ref double column = ref Unsafe.Add(ref w, j);
                for (int k = 0; k < outputs; k++)
                {
                    var a = Vector512.Create(deltas[k]);
                    s0 += Vector512.LoadUnsafe(ref column) * a;
                    s1 += Vector512.LoadUnsafe(ref column, 8) * a;
                    s2 += Vector512.LoadUnsafe(ref column, 16) * a;
                    s3 += Vector512.LoadUnsafe(ref column, 24) * a;
                    column = ref Unsafe.Add(ref column, inputs);
                }
                s0.StoreUnsafe(ref output, (nuint)j);
                s1.StoreUnsafe(ref output, (nuint)(j + 8));
                s2.StoreUnsafe(ref output, (nuint)(j + 16));
                s3.StoreUnsafe(ref output, (nuint)(j + 24));
            }
            BackThroughTail(ref w, outputs, inputs, deltas, j, ref output);
        }
    }
}
