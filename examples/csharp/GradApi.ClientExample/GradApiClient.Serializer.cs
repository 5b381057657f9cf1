using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradApi.Client;

// The settings the generated client leaves to its user (NSwag's UpdateJsonSerializerSettings), each for the contract.
public partial class GradApiClient
{
    /// <summary>The client's own serializer options, for reading the README's request bodies into the generated types.</summary>
    public static JsonSerializerOptions ContractSerializerOptions()
    {
        var options = new JsonSerializerOptions();
        UpdateJsonSerializerSettings(options);
        return options;
    }

    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings)
    {
        // The contract writes a value that stopped being finite as "NaN", "Infinity" or "-Infinity"; NSwag turns a
        // oneOf of number and those strings into its first branch, double (NSwag#1721), so the three strings are
        // read and written as doubles.
        settings.NumberHandling |= JsonNumberHandling.AllowNamedFloatingPointLiterals;
        // Enums by name everywhere, also inside lists (NSwag puts a converter on single enum properties only);
        // the generator names members by their wire names.
        settings.Converters.Add(new JsonStringEnumConverter());
        // A field left unset is left out, not sent as null: the contract's defaults apply to absent fields.
        settings.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    }
}
