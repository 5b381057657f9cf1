using System.Globalization;
using System.Text;
using GradApi.Json;

namespace GradApi.Tests.Api;

/// <summary>
/// The short-decimal reader must give the very double .NET's correctly rounded parser gives, bit for bit, and leave to
/// it every text it does not take.
/// </summary>
public class DecimalTextTests
{
    static bool Short(string text, out double value) => DecimalText.TryShort(Encoding.UTF8.GetBytes(text), out value);

    static void AssertAsTheParser(string text)
    {
        Assert.True(Short(text, out double value), text);
        double parsed = double.Parse(text, CultureInfo.InvariantCulture);
        Assert.True(BitConverter.DoubleToInt64Bits(parsed) == BitConverter.DoubleToInt64Bits(value), $"{text}: {value:R}, the parser {parsed:R}");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-0.0")]
    [InlineData("0.1")]
    [InlineData("0.3318")]
    [InlineData("-0.0087")]
    [InlineData("7")]
    [InlineData("123456789012345")]
    [InlineData("0.00000000000001")]
    [InlineData("9.99999999999999")]
    [InlineData("-12345.6789012345")]
    public void AShortDecimalIsReadAsTheParserReadsIt(string text) => AssertAsTheParser(text);

    [Fact]
    public void ThousandsOfRandomShortDecimalsAreReadAsTheParserReadsThem()
    {
        var random = new Random(13);
        for (int n = 0; n < 200_000; n++)
        {
            int digits = random.Next(1, 16);
            var text = new StringBuilder(digits + 2);
            if (random.Next(2) == 0) text.Append('-');
            int point = random.Next(0, digits);
            for (int d = 0; d < digits; d++)
            {
                if (d == point && d > 0) text.Append('.');
                text.Append((char)('0' + random.Next(10)));
            }
            AssertAsTheParser(text.ToString());
        }
    }

    [Theory]
    [InlineData("1e5")]
    [InlineData("1E-05")]
    [InlineData("0.1234567890123456")]
    [InlineData("1234567890123456")]
    [InlineData("0.000000000000001")]
    [InlineData("-")]
    public void LongerDecimalsAndExponentsAreLeftToTheParser(string text) => Assert.False(Short(text, out _));
}
