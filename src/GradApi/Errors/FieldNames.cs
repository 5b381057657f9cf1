using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GradApi.Errors;

/// <summary>The JSON field names a contract record accepts, and the one an unknown field most likely meant.</summary>
internal static class FieldNames
{
    /// <summary>
    /// The known field of the named contract type closest to an unknown one: the same letters in another case or
    /// separator style (learning_rate for learningRate), else within a small edit distance (lerningRate); or null.
    /// </summary>
    public static string? Closest(string typeName, string unknown)
    {
        var type = typeof(FieldNames).Assembly.GetType(typeName);
        if (type is null) return null;
        var known = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .ToArray();
        string plain = Plain(unknown);
        if (known.FirstOrDefault(k => Plain(k) == plain) is { } same) return same;
        int allowed = Math.Max(1, plain.Length / 4);
        return known
            .Select(k => (Name: k, Distance: Distance(Plain(k), plain)))
            .Where(k => k.Distance <= allowed)
            .OrderBy(k => k.Distance)
            .Select(k => k.Name)
            .FirstOrDefault();
    }

    // Lower case, without separators: learning_rate, Learning-Rate and learningRate read alike.
    static string Plain(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    // Levenshtein distance, one row at a time.
    static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
