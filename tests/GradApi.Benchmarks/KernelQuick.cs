using System.Diagnostics;
using GradApi.Domain.Numerics;

namespace GradApi.Benchmarks;

/// <summary>
/// The MNIST step's kernels one by one at its sizes (784-128, batch 32), best of several rounds, in microseconds:
/// <c>-- --kernels</c>, for comparing two builds of a kernel back to back in seconds.
/// </summary>
public static class KernelQuick
{
    public static IEnumerable<(string Name, double Microseconds)> Run(int rounds = 40, int repeat = 20)
    {
        const int rows = 128, columns = 784, batch = 32;
        var random = new Random(1);
        double[] Fill(int n, double scale) { var x = new double[n]; for (int i = 0; i < n; i++) x[i] = (random.NextDouble() - 0.5) * scale; return x; }
        double[] w = Fill(rows * columns, 0.1), b = Fill(rows, 0.1), x = Fill(batch * columns, 1), z = new double[batch * rows];
        double[] delta = Fill(batch * rows, 0.01), g = new double[rows * columns];
        double[] m = Fill(rows * columns, 0.001), v = Fill(rows * columns, 0.00001).Select(Math.Abs).ToArray();
        double[] m2 = new double[m.Length], v2 = new double[m.Length], mh = new double[m.Length], vh = new double[m.Length], w2 = new double[w.Length];
        (string, Action)[] cases =
        [
            ("AffineSums 784->128 x32, 256-bit lanes", () => Kernels.AffineSums256(w, rows, columns, b, x, batch, z, default)),
            ("AffineSums 784->128 x32 (the machine's widest lanes)", () => Kernels.AffineSums(w, rows, columns, b, x, batch, z, default)),
            ("Affine.Evaluate (with the cancellation check)", () => Affine.Evaluate(w, rows, b, x, batch, z)),
            ("MaxMagnitude per weight row", () => { for (int i = 0; i < rows; i++) z[i] = Kernels.MaxMagnitude(w.AsSpan(i * columns, columns)); }),
            ("SumOfMagnitudes per example", () => { for (int e = 0; e < batch; e++) z[e] = Kernels.SumOfMagnitudes(x.AsSpan(e * columns, columns)); }),
            ("WeightGradient 128x784 over 32, 256-bit lanes", () => Kernels.WeightGradient256(delta, rows, x, columns, batch, g, default)),
            ("WeightGradient 128x784 over 32 (the machine's widest lanes)", () => Kernels.WeightGradient(delta, rows, x, columns, batch, g, default)),
            ("BackThrough 128x784 over 32, 256-bit lanes", () => Kernels.BackThrough256(w, rows, columns, delta, batch, x, default)),
            ("BackThrough 128x784 over 32 (the machine's widest lanes)", () => Kernels.BackThrough(w, rows, columns, delta, batch, x, default)),
            ("AdamStep in place, 100,352", () => Elementwise.AdamStep(w2, w2, g, m2, m2, v2, v2, mh, vh, 0.9, 0.999, 0.1, 0.001, 0.001, 1e-8, false)),
            ("AdamStep in place, Keras' form (one division and one root an element fewer), 100,352", () => Elementwise.AdamStep(w2, w2, g, m2, m2, v2, v2, default, default, 0.9, 0.999, 0.1, 0.001, 0.001, 1e-8, false)),
            ("Blend (m = b1 m + (1 - b1) g: the memory traffic alone), 100,352", () => Elementwise.Blend(m2, 0.9, g, 0.1)),
            ("AdamStep out of place, 100,352", () => Elementwise.AdamStep(w, w2, g, m, m2, v, v2, mh, vh, 0.9, 0.999, 0.1, 0.001, 0.001, 1e-8, false)),
        ];
        foreach (var (name, action) in cases)
        {
            action();
            double best = double.MaxValue;
            for (int r = 0; r < rounds; r++)
            {
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < repeat; i++) action();
                best = Math.Min(best, watch.Elapsed.TotalMicroseconds / repeat);
            }
            yield return (name, best);
        }
    }
}
