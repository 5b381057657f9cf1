using GradApi.Domain.Vocabulary;

namespace GradApi.Domain.Networks;

/// <summary>Which examples iteration t (1-based) uses. Seeded modes are deterministic: same request, same batches.</summary>
public abstract class Sampling
{
    public abstract string Mode { get; }

    /// <summary>The example indices of iterations 1, 2, ... for a data set of n examples (an endless sequence).</summary>
    public abstract IEnumerable<int[]> Batches(int n);

    /// <summary>The largest batch any iteration uses, for the work limits.</summary>
    public abstract int MaxBatchSize(int n);

    /// <summary>Every iteration uses all examples (batch gradient descent).</summary>
    public sealed class Full : Sampling
    {
        public override string Mode => WireNames.Sampling.Full;
        public override IEnumerable<int[]> Batches(int n)
        {
            // One array for every iteration: batches are never written.
            var all = Enumerable.Range(0, n).ToArray();
            while (true) yield return all;
        }
        public override int MaxBatchSize(int n) => n;
    }

    /// <summary>Iteration t uses example (t - 1) mod N.</summary>
    public sealed class Sequential : Sampling
    {
        public override string Mode => WireNames.Sampling.Sequential;
        public override IEnumerable<int[]> Batches(int n)
        {
            for (int t = 0; ; t = (t + 1) % n) yield return [t];
        }
        public override int MaxBatchSize(int n) => 1;
    }

    /// <summary>Each iteration one example drawn uniformly: the t-th draw u of SplitMix64(seed) gives floor(u N).</summary>
    public sealed class Random(ulong seed) : Sampling
    {
        public ulong Seed { get; } = seed;
        public override string Mode => WireNames.Sampling.Random;

        public override IEnumerable<int[]> Batches(int n)
        {
            var rng = new SplitMix64(Seed);
            while (true) yield return [(int)(rng.NextDouble() * n)];
        }

        public override int MaxBatchSize(int n) => 1;
    }

    /// <summary>
    /// Batches of batchSize in a permutation drawn per epoch (Fisher-Yates, i from N-1 down to 1,
    /// j = floor(u (i + 1)), one SplitMix64(seed) stream across epochs);
    /// the last batch of an epoch holds the remainder (no examples dropped).
    /// </summary>
    public sealed class Minibatch(int batchSize, ulong seed) : Sampling
    {
        public int BatchSize { get; } = batchSize;
        public ulong Seed { get; } = seed;
        public override string Mode => WireNames.Sampling.Minibatch;

        public override IEnumerable<int[]> Batches(int n)
        {
            var rng = new SplitMix64(Seed);
            while (true)
            {
                var order = Shuffle(n, rng);
                for (int start = 0; start < n; start += BatchSize)
                    yield return order[start..Math.Min(n, start + BatchSize)];
            }
        }

        public override int MaxBatchSize(int n) => Math.Min(BatchSize, n);

        static int[] Shuffle(int n, SplitMix64 rng)
        {
            var order = Enumerable.Range(0, n).ToArray();
            for (int i = n - 1; i > 0; i--)
            {
                int j = (int)(rng.NextDouble() * (i + 1));
                (order[i], order[j]) = (order[j], order[i]);
            }
            return order;
        }
    }

    /// <summary>Explicit batches: indices[t - 1] for iteration t.</summary>
    public sealed class Schedule(IReadOnlyList<int[]> indices) : Sampling
    {
        public IReadOnlyList<int[]> Indices { get; } = indices;
        public override string Mode => WireNames.Sampling.Schedule;
        public override IEnumerable<int[]> Batches(int n)
        {
            foreach (var batch in Indices) yield return (int[])batch.Clone();
        }
        public override int MaxBatchSize(int n) => Indices.Count == 0 ? 0 : Indices.Max(b => b.Length);
    }
}

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): tiny, fully specified, so graders can reproduce the draws.</summary>
public sealed class SplitMix64(ulong seed)
{
    ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1) from the top 53 bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
