using GradApi.Domain.Networks;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Tensors;
using GradApi.Domain.Training;

namespace GradApi.Tests.Domain;

/// <summary>
/// Which examples iteration t uses. Expected draws come from the documented algorithm (SplitMix64,
/// u = top 53 bits / 2^53, index floor(u N); Fisher-Yates i = N-1..1, j = floor(u (i+1))), run offline
/// in an independent Python implementation; SplitMix64(0)'s first output is the published 0xE220A8397B1DCDAF.
/// </summary>
public sealed class SamplingTests
{
    static List<int[]> Take(Sampling sampling, int n, int count) => sampling.Batches(n).Take(count).ToList();

    [Fact]
    public void FullSamplingUsesEveryExampleEveryIteration()
    {
        Assert.All(Take(new Sampling.Full(), 4, 3), batch => Assert.Equal([0, 1, 2, 3], batch));
    }

    [Fact]
    public void SequentialSamplingUsesExampleTMinusOneModN()
    {
        var batches = Take(new Sampling.Sequential(), 3, 7);
        Assert.Equal([[0], [1], [2], [0], [1], [2], [0]], batches);
        Assert.Equal([[0], [0], [0]], Take(new Sampling.Sequential(), 1, 3));
    }

    [Fact]
    public void SplitMix64MatchesThePublishedSequence()
    {
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.Next());          // 16294208416658607535
        Assert.Equal(7960286522194355700UL, rng.Next());
        Assert.Equal(487617019471545679UL, rng.Next());
    }

    [Fact]
    public void RandomSamplingIsTheDocumentedSeededDraw()
    {
        // seed 42, N = 5: floor(u 5) for the first 12 draws (Python, from the documented algorithm)
        var batches = Take(new Sampling.Random(42), 5, 12);
        Assert.All(batches, b => Assert.Single(b));
        Assert.Equal([3, 0, 1, 1, 0, 4, 1, 4, 1, 3, 1, 2], batches.Select(b => b[0]));
    }

    [Fact]
    public void RandomSamplingIsDeterministicForASeedAndStaysInRange()
    {
        var first = Take(new Sampling.Random(123456789), 7, 2000).Select(b => b[0]).ToArray();
        var again = Take(new Sampling.Random(123456789), 7, 2000).Select(b => b[0]).ToArray();
        var other = Take(new Sampling.Random(123456790), 7, 2000).Select(b => b[0]).ToArray();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.All(first, i => Assert.InRange(i, 0, 6));
        // uniform: each of 7 indices about 2000/7 = 286 times (binomial sd 16); 200..370 is > 5 sd
        Assert.All(Enumerable.Range(0, 7), k => Assert.InRange(first.Count(i => i == k), 200, 370));
    }

    [Fact]
    public void MinibatchSamplingIsTheDocumentedFisherYatesShuffle()
    {
        // seed 7, N = 7: epoch permutations [3,5,1,6,4,0,2] and [2,6,4,5,0,1,3]; batch size 3 leaves a remainder of 1
        var batches = Take(new Sampling.Minibatch(3, 7), 7, 6);
        Assert.Equal([[3, 5, 1], [6, 4, 0], [2], [2, 6, 4], [5, 0, 1], [3]], batches);
    }

    [Theory]
    [InlineData(7, 3, 11UL)]
    [InlineData(10, 4, 1UL)]
    [InlineData(5, 5, 2UL)]
    [InlineData(3, 8, 3UL)]
    public void MinibatchCoversEveryExampleOncePerEpochWithTheRemainderLast(int n, int batchSize, ulong seed)
    {
        int perEpoch = (n + batchSize - 1) / batchSize;
        var batches = Take(new Sampling.Minibatch(batchSize, seed), n, perEpoch * 4);
        var epochs = batches.Chunk(perEpoch).Select(e => e.SelectMany(b => b).ToArray()).ToList();
        foreach (var chunk in batches.Chunk(perEpoch))
        {
            for (int i = 0; i < chunk.Length - 1; i++) Assert.Equal(Math.Min(batchSize, n), chunk[i].Length);
            Assert.Equal(n - (perEpoch - 1) * batchSize, chunk[^1].Length);
        }
        Assert.All(epochs, e => Assert.Equal(Enumerable.Range(0, n), e.Order()));
        if (n > 3) Assert.True(epochs.Distinct(new SequenceComparer()).Count() > 1, "reshuffled each epoch");
        Assert.Equal(batches, Take(new Sampling.Minibatch(batchSize, seed), n, perEpoch * 4));
    }

    [Fact]
    public void ScheduleSamplingUsesTheGivenIndicesAndEndsTheRunWhenTheyRunOut()
    {
        var schedule = new Sampling.Schedule([[2], [0, 1], [1, 1, 2]]);
        Assert.Equal([[2], [0, 1], [1, 1, 2]], Take(schedule, 3, 10));

        // A run asked for 5 iterations with a 3-batch schedule stops after 3, reporting each batch.
        var problem = Problems.Scalar(0.5, 1.0, 1.0, new Sgd(0.1), 5) with
        {
            Data = new TrainingData(Tensor.Matrix([[1.0], [2.0], [3.0]]), Tensor.Matrix([[1.0], [1.0], [1.0]])),
            Sampling = schedule,
        };
        var trace = new TrainingRun(problem).Iterations().ToList();
        Assert.Equal([[2], [0, 1], [1, 1, 2]], trace.Select(t => t.ExampleIndices));
        // iteration 2 sees inputs 1 and 2 as its batch
        Assert.Equal([1.0, 2.0], trace[1].Forward[0].Input.Data);
    }

    [Fact]
    public void SequentialRunReportsTheExampleOfEachIteration()
    {
        var problem = Problems.Scalar(0.5, 1.0, 1.0, new Sgd(0.1), 5) with
        {
            Data = new TrainingData(Tensor.Matrix([[1.0], [2.0]]), Tensor.Matrix([[1.0], [1.0]])),
            Sampling = new Sampling.Sequential(),
        };
        var trace = new TrainingRun(problem).Iterations().ToList();
        Assert.Equal([[0], [1], [0], [1], [0]], trace.Select(t => t.ExampleIndices));
        Assert.Equal([2.0], trace[3].Forward[0].Input.Data);
    }

    sealed class SequenceComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x!.SequenceEqual(y!);
        public int GetHashCode(int[] obj) => obj.Aggregate(17, (h, v) => h * 31 + v);
    }
}
