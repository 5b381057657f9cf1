using System.Buffers;
using System.Numerics;
using System.Text;
using System.Text.Json;
using GradApi.Domain.Tensors;
using GradApi.Json;

namespace GradApi.Tests.Api;

/// <summary>
/// <see cref="ShortestDouble"/> and <see cref="TensorText"/> against System.Text.Json's own writer, the independent oracle:
/// every double must come out as the bytes <see cref="Utf8JsonWriter.WriteNumberValue(double)"/> writes, and every tensor as
/// the element-by-element writer wrote it.
/// </summary>
public sealed class NumberTextTests
{
    static readonly JsonWriterOptions Options = new() { SkipValidation = true };

    static string Oracle(double value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options)) writer.WriteNumberValue(value);
        return Encoding.ASCII.GetString(buffer.WrittenSpan);
    }

    static string Mine(double value)
    {
        Span<byte> text = stackalloc byte[ShortestDouble.MaxLength];
        return Encoding.ASCII.GetString(text[..ShortestDouble.Format(value, text)]);
    }

    static IEnumerable<double> Specials()
    {
        yield return double.Epsilon;                 // 5E-324
        yield return double.MaxValue;                // 1.7976931348623157E+308
        yield return 2.2250738585072014E-308;        // the smallest normal
        yield return 2.2250738585072009E-308;        // the largest subnormal
        yield return 0.1;
        yield return 1.0 / 3;
        yield return 9007199254740993.0;
        for (int e = -324; e <= 308; e++)
        {
            // Powers of ten, their neighbours and a few digits on them: the E-05 / E+17 switch points among them.
            double p = double.Parse($"1e{e}", System.Globalization.CultureInfo.InvariantCulture);
            foreach (var v in new[] { p, Math.BitIncrement(p), Math.BitDecrement(p), 1.5 * p, 123456789 * p, 9.999999999999999 * p })
                yield return v;
        }
        for (int e = -1074; e <= 1023; e++)
        {
            double p = Math.ScaleB(1.0, e); // powers of two (two of which .NET writes a digit shorter than Ryu) and their neighbours
            yield return p;
            yield return Math.BitIncrement(p);
            yield return Math.BitDecrement(p);
        }
        for (int i = 1; i < 20_000; i++)
        {
            yield return i;
            yield return i / 1000.0;
            yield return i * 1e13;
            yield return i * 1e-7;
        }
    }

    [Fact]
    public void EveryFiniteDoubleIsWrittenAsUtf8JsonWriterWritesIt()
    {
        var random = new Random(20261202);
        var values = Specials().ToList();
        for (int i = 0; i < 300_000; i++)
        {
            ulong bits = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
            values.Add(BitConverter.UInt64BitsToDouble(bits));                          // every exponent
            values.Add(BitConverter.UInt64BitsToDouble(bits & 0x800F_FFFF_FFFF_FFFFUL)); // subnormals
            values.Add(2 * random.NextDouble() - 1);                                     // a trace's numbers
            values.Add(Math.Round(1000 * random.NextDouble(), random.Next(10)));         // few digits
        }
        var mismatches = new List<string>();
        foreach (var v in values)
        {
            if (!double.IsFinite(v) || v == 0) continue;
            foreach (var signed in new[] { v, -v })
            {
                string expected = Oracle(signed), actual = Mine(signed);
                if (expected != actual && mismatches.Count < 10)
                    mismatches.Add($"{BitConverter.DoubleToUInt64Bits(signed):X16}: expected {expected}, wrote {actual}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void EachPowerOfTenInTheTableIsTheLeastInteger126BitSignificandAbove10ToTheE()
    {
        // g 2^r with r = floor(log2 10^e) - 125: 10^e < g 2^r <= 10^e + 2^r and 2^125 <= g < 2^126, checked by exact
        // rational comparison (10^e as a numerator and denominator), not by the table's own construction.
        for (int e = -292; e <= 324; e++)
        {
            var (high, low) = ShortestDouble.Pow10Entry(e);
            Assert.True(low < 1UL << 63, $"10^{e}: low half {low:X} has more than 63 bits");
            var g = (new BigInteger(high) << 63) + low;
            Assert.True(g >= BigInteger.One << 125 && g < BigInteger.One << 126, $"10^{e}: g is not 126 bits");
            // 10^e = n / d; r from the bit lengths; compare n 2^-r against g - 1 and g.
            var n = e >= 0 ? BigInteger.Pow(10, e) : BigInteger.One;
            var d = e >= 0 ? BigInteger.One : BigInteger.Pow(10, -e);
            int r = FloorLog2(n, d) - 125;
            // x = n 2^-r / d in [g - 1, g): (g - 1) d 2^r <= n < g d 2^r, with 2^r on whichever side it is a whole number.
            var left = r >= 0 ? n : n << -r;
            var scale = r >= 0 ? d << r : d;
            Assert.True((g - 1) * scale <= left && left < g * scale, $"10^{e}: g = {g} is not the least integer above its scaled power");
        }
    }

    // floor(log2(n / d)): the bit lengths' difference, or one less.
    static int FloorLog2(BigInteger n, BigInteger d)
    {
        int guess = (int)n.GetBitLength() - (int)d.GetBitLength();
        bool atLeast = guess >= 0 ? n >= d << guess : n << -guess >= d;
        return atLeast ? guess : guess - 1;
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 3, 0 })]
    [InlineData(new[] { 0, 4 })]
    [InlineData(new[] { 2, 0, 3 })]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 5000 })]       // one row longer than a chunk
    [InlineData(new[] { 3, 4 })]
    [InlineData(new[] { 300, 41 })]    // many rows per chunk, rows across chunk ends
    [InlineData(new[] { 2, 3000 })]    // rows of several chunks
    [InlineData(new[] { 40, 10, 10 })] // a batch of Jacobians
    [InlineData(new[] { 2, 1, 1, 1 })]
    public void ATensorOfAnyShapeIsWrittenAsTheElementWiseWriterWroteIt(int[] shape)
    {
        var random = new Random(shape.Sum() + shape.Length);
        var data = new double[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = random.Next(12) switch
            {
                0 => double.NaN,
                1 => double.PositiveInfinity,
                2 => double.NegativeInfinity,
                3 => -0.0,
                4 => 0,
                5 => random.Next(-5, 5),
                _ => (2 * random.NextDouble() - 1) * Math.Pow(10, random.Next(-30, 30)),
            };
        }
        var tensor = new Tensor(shape, data);

        // Inside an object after other values, so the separators around the tensor are checked too.
        string Write(Action<Utf8JsonWriter, Tensor> write)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, Options))
            {
                writer.WriteStartObject();
                writer.WriteNumber("before", 1);
                writer.WritePropertyName("t");
                write(writer, tensor);
                writer.WriteStartArray("list");
                write(writer, tensor);
                write(writer, tensor);
                writer.WriteEndArray();
                writer.WriteNumber("after", 2);
                writer.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        string expected = Write(ElementWiseTraceWriter.Tensor);
        Assert.Equal(expected, Write(TensorText.Write));
        using var _ = JsonDocument.Parse(expected);
    }
}
