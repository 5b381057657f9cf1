using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;

namespace GradApi.Validation;

/// <summary>
/// Answers 400 when any array or dictionary of the request holds a null element ("layers": [null],
/// "inputs": [[1, 2], null], "claims": {"x": null}), keyed by the element's JSON path, before the request's
/// own validator runs. The reader accepts null for every element of reference type, and no validator or
/// mapper after it should have to expect one.
/// </summary>
public sealed class NullElementFilter<T> : IEndpointFilter
{
    /// <summary>Paths reported at most: one null is enough to refuse the request, a few show the pattern.</summary>
    public const int MaxReported = 10;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.Arguments.OfType<T>().FirstOrDefault() is { } request && NullElements.Find(request, MaxReported) is { Count: > 0 } paths)
            return TypedResults.ValidationProblem(paths.ToDictionary(p => p, _ => new[] { "must not be null" }),
                detail: "The request has null elements; see errors, keyed by JSON path.");
        return await next(context);
    }
}

/// <summary>Finds null elements in the arrays and dictionaries of a request's contract records, by JSON path.</summary>
public static class NullElements
{
    sealed record Member(string Name, PropertyInfo Property);

    // Per contract type, the members that can hold an array or dictionary with reference-type elements.
    static readonly ConcurrentDictionary<Type, Member[]> Members = new();

    public static List<string> Find(object request, int max)
    {
        var found = new List<string>();
        Walk(request, "", found, max);
        return found;
    }

    // Paths are built only on the way to something that may hold a null (a request's rows of numbers are only scanned).
    static void Walk(object value, string path, List<string> found, int max)
    {
        if (found.Count >= max) return;
        var type = value.GetType();
        if (value is object?[] array)
        {
            bool inner = MayHoldNull(type.GetElementType()!);
            for (int i = 0; i < array.Length && found.Count < max; i++)
            {
                if (array[i] is not { } element) found.Add($"{path}[{i}]");
                else if (inner) Walk(element, $"{path}[{i}]", found, max);
            }
        }
        else if (value is IDictionary dictionary)
        {
            if (type.GetGenericArguments() is [_, { IsValueType: true }]) return;
            bool inner = MayHoldNull(type.GetGenericArguments()[1]);
            foreach (DictionaryEntry entry in dictionary)
            {
                if (found.Count >= max) return;
                if (entry.Value is not { } element) found.Add(Join(path, $"{entry.Key}"));
                else if (inner) Walk(element, Join(path, $"{entry.Key}"), found, max);
            }
        }
        else if (IsContract(type))
        {
            foreach (var member in Members.GetOrAdd(type, ContainersOf))
                if (member.Property.GetValue(value) is { } child) Walk(child, Join(path, member.Name), found, max);
        }
    }

    static readonly ConcurrentDictionary<Type, bool> Holders = new();

    // Whether a value of this declared type can hold a null element at any depth (double[] and string cannot).
    static bool MayHoldNull(Type type) => Holders.GetOrAdd(type, t => MayHoldNull(t, []));

    static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    static bool IsContract(Type type) => type.Namespace == typeof(Contracts.TrainRequest).Namespace && type.IsClass;

    static Member[] ContainersOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && MayHoldNull(p.PropertyType, []))
            .Select(p => new Member(JsonNamingPolicy.CamelCase.ConvertName(p.Name), p))
            .ToArray();

    /// <summary>Whether a value of this type can hold a null element, at any depth.</summary>
    static bool MayHoldNull(Type type, HashSet<Type> seen)
    {
        if (type.IsArray) return !type.GetElementType()!.IsValueType;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>)) return !type.GetGenericArguments()[1].IsValueType;
        if (!IsContract(type) || !seen.Add(type)) return false;
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Any(p => p.GetIndexParameters().Length == 0 && MayHoldNull(p.PropertyType, seen));
    }
}
