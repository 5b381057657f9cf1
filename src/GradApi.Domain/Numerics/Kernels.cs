using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GradApi.Domain.Numerics;

/// <summary>
/// SIMD kernels for a dense layer's matrix products. Each computes exactly the operations of the scalar loop it
/// replaces, in the same order: every sum runs left to right in its own lane (lanes run across independent sums,
/// examples or columns, never along one), and a product is rounded before it is added (multiply, then add; never
/// a fused multiply-add). So the results are bit for bit those of the scalar loops, on any machine, and the
/// homework's last digits do not depend on the vector width. Register blocks of 4 x 8 sums keep each operand
/// loaded once per block; the cancellation is checked per block of rows or columns, a few tens of microseconds of work.
/// </summary>
internal static partial class Kernels
{
    // Below this many multiply-adds the scalar loops are as fast and allocate nothing.
    const int MinimumWork = 2048;

    /// <summary>Whether the kernels run for a product of these sizes (vector hardware and enough work).</summary>
    public static bool Worthwhile(int batch, int rows, int columns) =>
        Vector256.IsHardwareAccelerated && (long)batch * rows * columns >= MinimumWork;

    /// <summary>
    /// z[b][i] = bias[i] + w[i][0] x[b][0] + w[i][1] x[b][1] + ... (left to right) for weights [rows][columns],
    /// inputs [batch][columns], z [batch][rows]; no bias is 0.0. Lanes run across examples.
    /// </summary>
    public static void AffineSums(ReadOnlySpan<double> weights, int rows, int columns, ReadOnlySpan<double> biases,
        ReadOnlySpan<double> inputs, int batch, Span<double> z, CancellationToken cancellation)
    {
        if (Vector512.IsHardwareAccelerated) AffineSums512(weights, rows, columns, biases, inputs, batch, z, cancellation);
        else AffineSums256(weights, rows, columns, biases, inputs, batch, z, cancellation);
    }

    internal static void AffineSums256(ReadOnlySpan<double> weights, int rows, int columns, ReadOnlySpan<double> biases,
        ReadOnlySpan<double> inputs, int batch, Span<double> z, CancellationToken cancellation)
    {
        // The inputs transposed to [columns][lanes], the examples padded with zeros to whole blocks of 8.
        int lanes = (batch + 7) & ~7;
        double[] transposed = ArrayPool<double>.Shared.Rent(columns * lanes);
        try
        {
            Transpose(inputs, batch, columns, transposed, lanes);
            ref double x = ref MemoryMarshal.GetArrayDataReference(transposed);
            ref double w = ref MemoryMarshal.GetReference(weights);
            Span<double> block = stackalloc double[4 * 8];
            for (int i0 = 0; i0 < rows; i0 += 4)
            {
                cancellation.ThrowIfCancellationRequested();
                int count = Math.Min(4, rows - i0);
                for (int b0 = 0; b0 < lanes; b0 += 8)
                {
                    if (count == 4) AffineBlock4x8(ref w, i0, columns, biases, ref x, lanes, b0, block);
                    else
                        for (int r = 0; r < count; r++) AffineBlock1x8(ref w, i0 + r, columns, biases, ref x, lanes, b0, block.Slice(r * 8, 8));
                    Scatter(block, 8, count, b0, batch, i0, rows, z);
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(transposed);
        }
    }

    static void AffineBlock4x8(ref double w, int i0, int columns, ReadOnlySpan<double> biases, ref double x, int lanes, int b0, Span<double> block)
    {
        ref double w0 = ref Unsafe.Add(ref w, i0 * columns);
        ref double w1 = ref Unsafe.Add(ref w0, columns);
        ref double w2 = ref Unsafe.Add(ref w1, columns);
        ref double w3 = ref Unsafe.Add(ref w2, columns);
        Vector256<double> s00 = Bias(biases, i0), s01 = s00, s10 = Bias(biases, i0 + 1), s11 = s10,
            s20 = Bias(biases, i0 + 2), s21 = s20, s30 = Bias(biases, i0 + 3), s31 = s30;
        ref double column = ref Unsafe.Add(ref x, b0);
        for (int j = 0; j < columns; j++)
        {
            var x0 = Vector256.LoadUnsafe(ref column);
            var x1 = Vector256.LoadUnsafe(ref column, 4);
            column = ref Unsafe.Add(ref column, lanes);
            var a = Vector256.Create(Unsafe.Add(ref w0, j));
            s00 += a * x0;
            s01 += a * x1;
            a = Vector256.Create(Unsafe.Add(ref w1, j));
            s10 += a * x0;
            s11 += a * x1;
            a = Vector256.Create(Unsafe.Add(ref w2, j));
            s20 += a * x0;
            s21 += a * x1;
            a = Vector256.Create(Unsafe.Add(ref w3, j));
            s30 += a * x0;
            s31 += a * x1;
        }
        s00.CopyTo(block);
        s01.CopyTo(block[4..]);
        s10.CopyTo(block[8..]);
        s11.CopyTo(block[12..]);
        s20.CopyTo(block[16..]);
        s21.CopyTo(block[20..]);
        s30.CopyTo(block[24..]);
        s31.CopyTo(block[28..]);
    }

    static void AffineBlock1x8(ref double w, int i, int columns, ReadOnlySpan<double> biases, ref double x, int lanes, int b0, Span<double> block)
    {
        ref double row = ref Unsafe.Add(ref w, i * columns);
        Vector256<double> s0 = Bias(biases, i), s1 = s0;
        ref double column = ref Unsafe.Add(ref x, b0);
        for (int j = 0; j < columns; j++)
        {
            var a = Vector256.Create(Unsafe.Add(ref row, j));
            s0 += a * Vector256.LoadUnsafe(ref column);
            s1 += a * Vector256.LoadUnsafe(ref column, 4);
            column = ref Unsafe.Add(ref column, lanes);
        }
        s0.CopyTo(block);
        s1.CopyTo(block[4..]);
    }

    static Vector256<double> Bias(ReadOnlySpan<double> biases, int i) => Vector256.Create(biases.IsEmpty ? 0.0 : biases[i]);

    /// <summary>
    /// g[i][j] = 0 + d[0][i] x[0][j] + d[1][i] x[1][j] + ... (examples in order) for delta [batch][outputs],
    /// input [batch][inputs], g [outputs][inputs]. Lanes run across columns j.
    /// </summary>
    public static void WeightGradient(ReadOnlySpan<double> delta, int outputs, ReadOnlySpan<double> input, int inputs, int batch,
        Span<double> gradient, CancellationToken cancellation)
    {
        if (Vector512.IsHardwareAccelerated) WeightGradient512(delta, outputs, input, inputs, batch, gradient, cancellation);
        else WeightGradient256(delta, outputs, input, inputs, batch, gradient, cancellation);
    }

    internal static void WeightGradient256(ReadOnlySpan<double> delta, int outputs, ReadOnlySpan<double> input, int inputs, int batch,
        Span<double> gradient, CancellationToken cancellation)
    {
        ref double d = ref MemoryMarshal.GetReference(delta);
        ref double x = ref MemoryMarshal.GetReference(input);
        ref double g = ref MemoryMarshal.GetReference(gradient);
        int whole = outputs & ~3, j = 0;
        // Columns outermost: a strip of 8 input columns over the batch stays in L1 while every row block reads it.
        for (; j + 8 <= inputs; j += 8)
        {
            if ((j & 63) == 0) cancellation.ThrowIfCancellationRequested();
            for (int i0 = 0; i0 < whole; i0 += 4) GradientBlock4x8(ref d, outputs, i0, ref x, inputs, j, batch, ref g);
        }
        cancellation.ThrowIfCancellationRequested();
        for (int i = 0; i < whole; i++) GradientRowTail(ref d, outputs, i, ref x, inputs, j, batch, ref g);
        for (int i = whole; i < outputs; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            GradientRowTail(ref d, outputs, i, ref x, inputs, 0, batch, ref g);
        }
    }

    static void GradientBlock4x8(ref double d, int outputs, int i0, ref double x, int inputs, int j, int batch, ref double g)
    {
        Vector256<double> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default, s30 = default, s31 = default;
        ref double row = ref Unsafe.Add(ref x, j);
        ref double deltas = ref Unsafe.Add(ref d, i0);
        for (int b = 0; b < batch; b++)
        {
            var x0 = Vector256.LoadUnsafe(ref row);
            var x1 = Vector256.LoadUnsafe(ref row, 4);
            row = ref Unsafe.Add(ref row, inputs);
            var a = Vector256.Create(deltas);
            s00 += a * x0;
            s01 += a * x1;
            a = Vector256.Create(Unsafe.Add(ref deltas, 1));
            s10 += a * x0;
            s11 += a * x1;
            a = Vector256.Create(Unsafe.Add(ref deltas, 2));
            s20 += a * x0;
            s21 += a * x1;
            a = Vector256.Create(Unsafe.Add(ref deltas, 3));
            s30 += a * x0;
            s31 += a * x1;
            deltas = ref Unsafe.Add(ref deltas, outputs);
        }
        ref double out0 = ref Unsafe.Add(ref g, i0 * inputs + j);
        s00.StoreUnsafe(ref out0);
        s01.StoreUnsafe(ref out0, 4);
        ref double out1 = ref Unsafe.Add(ref out0, inputs);
        s10.StoreUnsafe(ref out1);
        s11.StoreUnsafe(ref out1, 4);
        ref double out2 = ref Unsafe.Add(ref out1, inputs);
        s20.StoreUnsafe(ref out2);
        s21.StoreUnsafe(ref out2, 4);
        ref double out3 = ref Unsafe.Add(ref out2, inputs);
        s30.StoreUnsafe(ref out3);
        s31.StoreUnsafe(ref out3, 4);
    }

    // Row i from column j on: four columns a lane group, then one at a time.
    static void GradientRowTail(ref double d, int outputs, int i, ref double x, int inputs, int j, int batch, ref double g)
    {
        ref double output = ref Unsafe.Add(ref g, i * inputs);
        for (; j + 4 <= inputs; j += 4)
        {
            Vector256<double> sum = default;
            for (int b = 0; b < batch; b++)
                sum += Vector256.Create(Unsafe.Add(ref d, b * outputs + i)) * Vector256.LoadUnsafe(ref Unsafe.Add(ref x, b * inputs + j));
            sum.StoreUnsafe(ref Unsafe.Add(ref output, j));
        }
        for (; j < inputs; j++)
        {
            double sum = 0;
            for (int b = 0; b < batch; b++) sum += Unsafe.Add(ref d, b * outputs + i) * Unsafe.Add(ref x, b * inputs + j);
            Unsafe.Add(ref output, j) = sum;
        }
    }

    /// <summary>
    /// g[b][j] = 0 + w[0][j] d[b][0] + w[1][j] d[b][1] + ... (outputs in order): W^T delta per example, for weights
    /// [outputs][inputs], delta [batch][outputs], g [batch][inputs]. Lanes run across columns j.
    /// </summary>
    public static void BackThrough(ReadOnlySpan<double> weights, int outputs, int inputs, ReadOnlySpan<double> delta, int batch,
        Span<double> gradient, CancellationToken cancellation)
    {
        if (Vector512.IsHardwareAccelerated) BackThrough512(weights, outputs, inputs, delta, batch, gradient, cancellation);
        else BackThrough256(weights, outputs, inputs, delta, batch, gradient, cancellation);
    }

    internal static void BackThrough256(ReadOnlySpan<double> weights, int outputs, int inputs, ReadOnlySpan<double> delta, int batch,
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
            for (; j + 16 <= inputs; j += 16)
            {
                Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
                ref double column = ref Unsafe.Add(ref w, j);
                for (int k = 0; k < outputs; k++)
                {
                    var a = Vector256.Create(deltas[k]);
                    s0 += Vector256.LoadUnsafe(ref column) * a;
                    s1 += Vector256.LoadUnsafe(ref column, 4) * a;
                    s2 += Vector256.LoadUnsafe(ref column, 8) * a;
                    s3 += Vector256.LoadUnsafe(ref column, 12) * a;
                    column = ref Unsafe.Add(ref column, inputs);
                }
                s0.StoreUnsafe(ref output, (nuint)j);
                s1.StoreUnsafe(ref output, (nuint)(j + 4));
                s2.StoreUnsafe(ref output, (nuint)(j + 8));
                s3.StoreUnsafe(ref output, (nuint)(j + 12));
            }
            BackThroughTail(ref w, outputs, inputs, deltas, j, ref output);
        }
    }

    // One example's columns from j on: four a lane group, then one at a time.
    static void BackThroughTail(ref double w, int outputs, int inputs, ReadOnlySpan<double> deltas, int j, ref double output)
    {
        for (; j + 4 <= inputs; j += 4)
        {
            Vector256<double> sum = default;
            for (int k = 0; k < outputs; k++) sum += Vector256.LoadUnsafe(ref Unsafe.Add(ref w, k * inputs + j)) * Vector256.Create(deltas[k]);
            sum.StoreUnsafe(ref output, (nuint)j);
        }
        for (; j < inputs; j++)
        {
            double sum = 0;
            for (int k = 0; k < outputs; k++) sum += Unsafe.Add(ref w, k * inputs + j) * deltas[k];
            Unsafe.Add(ref output, j) = sum;
        }
    }

    /// <summary>max |x_i| (with a NaN in x the value is unspecified: a sum over x is then NaN and no bound admits it).</summary>
    public static double MaxMagnitude(ReadOnlySpan<double> x)
    {
        int i = 0;
        double max = 0;
        if (Vector512.IsHardwareAccelerated && x.Length >= 32)
        {
            // Four running maxima of eight lanes: the loop runs at the loads' pace, not the comparisons' latency.
            ref double start = ref MemoryMarshal.GetReference(x);
            Vector512<double> m0 = Vector512<double>.Zero, m1 = m0, m2 = m0, m3 = m0;
            for (; i + 32 <= x.Length; i += 32)
            {
                m0 = Vector512.Max(m0, Vector512.Abs(Vector512.LoadUnsafe(ref start, (nuint)i)));
                m1 = Vector512.Max(m1, Vector512.Abs(Vector512.LoadUnsafe(ref start, (nuint)(i + 8))));
                m2 = Vector512.Max(m2, Vector512.Abs(Vector512.LoadUnsafe(ref start, (nuint)(i + 16))));
                m3 = Vector512.Max(m3, Vector512.Abs(Vector512.LoadUnsafe(ref start, (nuint)(i + 24))));
            }
            var best512 = Vector512.Max(Vector512.Max(m0, m1), Vector512.Max(m2, m3));
            for (int k = 0; k < 8; k++) max = Math.Max(max, best512[k]);
        }
        if (Vector256.IsHardwareAccelerated && x.Length - i >= 4)
        {
            // Two running maxima, so one lane group's comparison need not wait for the last (a maximum is exact in any order).
            ref double start = ref MemoryMarshal.GetReference(x);
            Vector256<double> best = Vector256.Create(max), other = Vector256<double>.Zero;
            for (; i + 8 <= x.Length; i += 8)
            {
                best = Vector256.Max(best, Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)i)));
                other = Vector256.Max(other, Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)(i + 4))));
            }
            if (i + 4 <= x.Length)
            {
                best = Vector256.Max(best, Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)i)));
                i += 4;
            }
            best = Vector256.Max(best, other);
            for (int k = 0; k < 4; k++) max = Math.Max(max, best[k]);
        }
        for (; i < x.Length; i++) max = Math.Max(max, Math.Abs(x[i]));
        return max;
    }

    /// <summary>
    /// sum |x_i| in eight lanes, for a rounding-error bound only (no result is this sum): any order of adding n
    /// nonnegative terms is within (n - 1) u of the exact sum, as left to right is, and the bound's safety factor covers that.
    /// </summary>
    public static double SumOfMagnitudes(ReadOnlySpan<double> x)
    {
        int i = 0;
        double sum = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            ref double start = ref MemoryMarshal.GetReference(x);
            Vector256<double> s0 = default, s1 = default;
            for (; i + 8 <= x.Length; i += 8)
            {
                s0 += Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)i));
                s1 += Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)(i + 4)));
            }
            sum = Vector256.Sum(s0 + s1);
        }
        for (; i < x.Length; i++) sum += Math.Abs(x[i]);
        return sum;
    }
}

/// <summary>
/// Elementwise loops of the optimizers, four elements a lane group, each element computed by exactly the scalar
/// formula in its comment (same operations, same order, no fused multiply-add): the same bits as the scalar loop.
/// </summary>
internal static class Elementwise
{
    static bool Vectors(int i, int length) => Vector256.IsHardwareAccelerated && i + 4 <= length;

    static Vector256<double> At(ReadOnlySpan<double> x, int i) => Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i);

    static void Store(Vector256<double> value, Span<double> y, int i) => value.StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)i);

    static Vector512<double> At512(ReadOnlySpan<double> x, int i) => Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(x), (nuint)i);

    static void Store512(Vector512<double> value, Span<double> y, int i) => value.StoreUnsafe(ref MemoryMarshal.GetReference(y), (nuint)i);

    /// <summary>y = p y + q x (a subtraction p y - c x is this with q = -c, the same bits).</summary>
    public static void Blend(Span<double> y, double p, ReadOnlySpan<double> x, double q)
    {
        int i = 0;
        var pv = Vector256.Create(p);
        var qv = Vector256.Create(q);
        for (; Vectors(i, y.Length); i += 4) Store(pv * At(y, i) + qv * At(x, i), y, i);
        for (; i < y.Length; i++) y[i] = p * y[i] + q * x[i];
    }

    /// <summary>y = p y + (q x) x: the running mean of squares b2 v + (1 - b2) g g.</summary>
    public static void BlendSquare(Span<double> y, double p, ReadOnlySpan<double> x, double q)
    {
        int i = 0;
        var pv = Vector256.Create(p);
        var qv = Vector256.Create(q);
        for (; Vectors(i, y.Length); i += 4)
        {
            var xv = At(x, i);
            Store(pv * At(y, i) + qv * xv * xv, y, i);
        }
        for (; i < y.Length; i++) y[i] = p * y[i] + q * x[i] * x[i];
    }

    /// <summary>y = y + q x (theta -= eta v is q = -eta, the same bits).</summary>
    public static void AddScaled(Span<double> y, ReadOnlySpan<double> x, double q)
    {
        int i = 0;
        var qv = Vector256.Create(q);
        for (; Vectors(i, y.Length); i += 4) Store(At(y, i) + qv * At(x, i), y, i);
        for (; i < y.Length; i++) y[i] = y[i] + q * x[i];
    }

    /// <summary>y = x / c.</summary>
    public static void Divide(ReadOnlySpan<double> x, double c, Span<double> y)
    {
        int i = 0;
        var cv = Vector256.Create(c);
        for (; Vectors(i, y.Length); i += 4) Store(At(x, i) / cv, y, i);
        for (; i < y.Length; i++) y[i] = x[i] / c;
    }

    /// <summary>theta = theta - (k m) / (sqrt(s) + eps), or (k m) / sqrt(s + eps) with the epsilon inside the root.</summary>
    public static void AdaptiveStep(Span<double> theta, double k, ReadOnlySpan<double> m, ReadOnlySpan<double> s, double epsilon, bool insideSqrt)
    {
        int i = 0;
        var kv = Vector256.Create(k);
        var ev = Vector256.Create(epsilon);
        if (insideSqrt)
        {
            for (; Vectors(i, theta.Length); i += 4) Store(At(theta, i) - kv * At(m, i) / Vector256.Sqrt(At(s, i) + ev), theta, i);
            for (; i < theta.Length; i++) theta[i] = theta[i] - k * m[i] / Math.Sqrt(s[i] + epsilon);
            return;
        }
        for (; Vectors(i, theta.Length); i += 4) Store(At(theta, i) - kv * At(m, i) / (Vector256.Sqrt(At(s, i)) + ev), theta, i);
        for (; i < theta.Length; i++) theta[i] = theta[i] - k * m[i] / (Math.Sqrt(s[i]) + epsilon);
    }

    /// <summary>
    /// Adam (no amsgrad) in one pass, for a caller that reads no slot before the step ends: per element exactly the
    /// formulas of the slot-by-slot passes, m = b1 m + (1 - b1) g, v = b2 v + ((1 - b2) g) g, then either
    /// mhat = m / c1, vhat = v / c2, theta -= (eta mhat) / (sqrt(vhat) + eps) (or sqrt(vhat + eps)), or, with mhat and
    /// vhat empty (Keras' form), theta -= (k m) / (sqrt(v) + eps) with k = eta sqrt(c2) / c1.
    /// theta, m and v are read from the first span of each pair and written to the second; the two may be the same
    /// (in place), since each element is read before it is written and no other element is read.
    /// </summary>
    public static void AdamStep(ReadOnlySpan<double> thetaIn, Span<double> theta, ReadOnlySpan<double> g, ReadOnlySpan<double> mIn, Span<double> m,
        ReadOnlySpan<double> vIn, Span<double> v, Span<double> mhat, Span<double> vhat,
        double beta1, double beta2, double correction1, double correction2, double k, double epsilon, bool insideSqrt)
    {
        double q1 = 1 - beta1, q2 = 1 - beta2;
        bool keras = mhat.IsEmpty;
        int i = 0;
        var byCorrection1 = new ConstantDivision(correction1);
        var byCorrection2 = new ConstantDivision(correction2);
        if (Vector512.IsHardwareAccelerated && byCorrection1.Proves && byCorrection2.Proves)
        {
            // Eight lanes, the bias corrections' divisions by their proved products (the same quotients).
            Vector512<double> b1 = Vector512.Create(beta1), b2 = Vector512.Create(beta2), q1v = Vector512.Create(q1), q2v = Vector512.Create(q2),
                kv = Vector512.Create(k), ev = Vector512.Create(epsilon);
            for (; i + 8 <= theta.Length; i += 8)
            {
                var gv = At512(g, i);
                var mv = b1 * At512(mIn, i) + q1v * gv;
                var vv = b2 * At512(vIn, i) + q2v * gv * gv;
                Store512(mv, m, i);
                Store512(vv, v, i);
                if (keras)
                {
                    Store512(At512(thetaIn, i) - kv * mv / (Vector512.Sqrt(vv) + ev), theta, i);
                    continue;
                }
                var mh = byCorrection1.Divide(mv);
                var vh = byCorrection2.Divide(vv);
                Store512(mh, mhat, i);
                Store512(vh, vhat, i);
                var denominator = insideSqrt ? Vector512.Sqrt(vh + ev) : Vector512.Sqrt(vh) + ev;
                Store512(At512(thetaIn, i) - kv * mh / denominator, theta, i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<double> b1 = Vector256.Create(beta1), b2 = Vector256.Create(beta2), q1v = Vector256.Create(q1), q2v = Vector256.Create(q2),
                c1 = Vector256.Create(correction1), c2 = Vector256.Create(correction2), kv = Vector256.Create(k), ev = Vector256.Create(epsilon);
            for (; i + 4 <= theta.Length; i += 4)
            {
                var gv = At(g, i);
                var mv = b1 * At(mIn, i) + q1v * gv;
                var vv = b2 * At(vIn, i) + q2v * gv * gv;
                Store(mv, m, i);
                Store(vv, v, i);
                if (keras)
                {
                    Store(At(thetaIn, i) - kv * mv / (Vector256.Sqrt(vv) + ev), theta, i);
                    continue;
                }
                var mh = mv / c1;
                var vh = vv / c2;
                Store(mh, mhat, i);
                Store(vh, vhat, i);
                var denominator = insideSqrt ? Vector256.Sqrt(vh + ev) : Vector256.Sqrt(vh) + ev;
                Store(At(thetaIn, i) - kv * mh / denominator, theta, i);
            }
        }
        for (; i < theta.Length; i++)
        {
            m[i] = beta1 * mIn[i] + q1 * g[i];
            v[i] = beta2 * vIn[i] + q2 * g[i] * g[i];
            if (keras)
            {
                theta[i] = thetaIn[i] - k * m[i] / (Math.Sqrt(v[i]) + epsilon);
                continue;
            }
            mhat[i] = m[i] / correction1;
            vhat[i] = v[i] / correction2;
            double denominator = insideSqrt ? Math.Sqrt(vhat[i] + epsilon) : Math.Sqrt(vhat[i]) + epsilon;
            theta[i] = thetaIn[i] - k * mhat[i] / denominator;
        }
    }

    /// <summary>y = a + q b, into a third span (a look-ahead theta + mu v, an L2-penalized g + lambda theta).</summary>
    public static void SumScaled(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double q, Span<double> y)
    {
        int i = 0;
        var qv = Vector256.Create(q);
        for (; Vectors(i, y.Length); i += 4) Store(At(a, i) + qv * At(b, i), y, i);
        for (; i < y.Length; i++) y[i] = a[i] + q * b[i];
    }
}
