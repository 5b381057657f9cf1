namespace GradApi.Client;

// The one setting the generated client leaves to its user. The contract writes a value that stopped being
// finite as "NaN", "Infinity" or "-Infinity"; NSwag turns a oneOf of number and those strings into its
// first branch, double (NSwag#1721), so System.Text.Json must read and write the three strings as doubles.
public partial class GradApiClient
{
    static partial void UpdateJsonSerializerSettings(System.Text.Json.JsonSerializerOptions settings) =>
        settings.NumberHandling |= System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals;
}
