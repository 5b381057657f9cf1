using System.Buffers;
using System.Text.Json;
using GradApi.Domain.Tensors;
using GradApi.Json;

namespace GradApi.Tests.Api;

/// <summary>
/// A trace's final parameters are written from the text kept of the last update's when their values are the same
/// (<see cref="KeptText"/>); the replay must be the bytes <see cref="TensorText"/> writes, and a tensor that differs in a
/// single bit or in its shape must not be taken for the kept one. The whole traces are checked byte for byte against the
/// element-wise writer in <see cref="TraceWriterTests"/>.
/// </summary>
public sealed class KeptTextTests
{
    static Tensor Random(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        return new Tensor([rows, columns], [.. Enumerable.Range(0, rows * columns).Select(_ => random.NextDouble() - 0.5)]);
    }

    static byte[] WriteTwice(Action<Utf8JsonWriter> first, Action<Utf8JsonWriter> second)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("first");
            first(writer);
            writer.WritePropertyName("again");
            second(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(128, 784)] // about 2 MB of text: well over a hundred chunks
    [InlineData(0, 5)]
    public void KeptTextWrittenAgainIsTheTextTensorTextWrites(int rows, int columns)
    {
        var tensor = Random(rows, columns, seed: rows * 31 + columns);
        using var text = new TensorText();
        using var kept = new KeptText(tensor);

        var replayed = WriteTwice(
            writer => { text.Start(tensor, kept); while (!text.WriteChunk(writer)) { } },
            writer => { for (int chunk = 0; chunk < kept.Chunks; chunk++) kept.WriteChunk(writer, chunk); });
        var formatted = WriteTwice(writer => TensorText.Write(writer, tensor), writer => TensorText.Write(writer, tensor));

        Assert.Equal(formatted, replayed);
        if (rows * columns * 20 > 2 * TensorText.ChunkBytes) Assert.True(kept.Chunks > 2, $"{kept.Chunks} chunks");
    }

    [Fact]
    public void KeptTextMatchesOnlyATensorOfTheSameShapeAndTheSameBits()
    {
        var tensor = Random(4, 6, seed: 7);
        using var kept = new KeptText(tensor);
        Assert.True(kept.Matches(tensor));
        Assert.True(kept.Matches(new Tensor([4, 6], [.. tensor.Data])));

        var nextUp = new Tensor([4, 6], [.. tensor.Data]);
        nextUp.Data[17] = Math.BitIncrement(nextUp.Data[17]);
        Assert.False(kept.Matches(nextUp));
        Assert.False(kept.Matches(new Tensor([6, 4], [.. tensor.Data])));
        Assert.False(kept.Matches(new Tensor([24], [.. tensor.Data])));

        // A later change to the tensor it was kept from does not change what it matches: it holds its own copy.
        var source = new Tensor([2], [0.25, -0.5]);
        using var copy = new KeptText(source);
        source.Data[0] = 1;
        Assert.False(copy.Matches(source));
        Assert.True(copy.Matches(new Tensor([2], [0.25, -0.5])));
    }
}
