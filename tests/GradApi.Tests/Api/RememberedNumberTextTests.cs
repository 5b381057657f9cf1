using System.Buffers;
using System.Text.Json;
using GradApi.Domain.Tensors;
using GradApi.Json;

namespace GradApi.Tests.Api;

/// <summary>
/// A trace's writer remembers the text of the numbers it has written (<see cref="TensorText.ForOneResponse"/>): numbers
/// written again, numbers that share a slot, and numbers a bit apart must each come out as System.Text.Json writes them on
/// its own, number by number (-0 as 0, as the service's converter writes it).
/// </summary>
public sealed class RememberedNumberTextTests
{
    static string Expected(Tensor tensor)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (double value in tensor.Data) writer.WriteNumberValue(value == 0 ? 0 : value);
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    static string Written(TensorText text, Tensor tensor)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            text.Start(tensor);
            while (!text.WriteChunk(writer)) { }
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void NumbersWrittenAgainOrSharingASlotAreEachWrittenAsTheirOwn()
    {
        var random = new Random(11);
        double[] some = [.. Enumerable.Range(0, 40).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-30, 30)))];
        // Repeats of earlier values, their neighbours one bit away each side, -0, powers of two and very small and large ones.
        double[] values = [.. some, .. some.Take(30), .. some.Take(20).Select(Math.BitIncrement), .. some.Take(20).Select(Math.BitDecrement),
            -0.0, 0, 1, 0.5, -2, 1024, double.Epsilon, double.MaxValue, -double.MinValue, 5e-324, 1e308, .. some.Take(10)];
        using var text = TensorText.ForOneResponse();

        for (int round = 0; round < 3; round++)
        {
            var tensor = new Tensor([values.Length], values);
            Assert.Equal(Expected(tensor), Written(text, tensor));
            values = [.. values.Reverse()];
        }
    }

    [Fact]
    public void ARememberingWriterWritesTheSameTextAsTheSharedOne()
    {
        var random = new Random(5);
        var tensor = new Tensor([7, 9], [.. Enumerable.Range(0, 63).Select(i => i % 5 == 0 ? 0.1 * (i % 3) : random.NextDouble() - 0.5)]);
        using var remembering = TensorText.ForOneResponse();
        using var plain = new TensorText();

        Assert.Equal(Written(plain, tensor), Written(remembering, tensor));
        Assert.Equal(Written(plain, tensor), Written(remembering, tensor));
    }
}
