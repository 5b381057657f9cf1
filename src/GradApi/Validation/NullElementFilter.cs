using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using Linq = System.Linq.Expressions.Expression;

namespace GradApi.Validation;

/// <summary>Finds null elements in the arrays and dictionaries of a request's contract records, by JSON path.</summary>
public static class NullElements
{
    /// <summary>Paths reported at most: one null is enough to refuse the request, a few show the pattern.</summary>
    public const int MaxReported = 10;

    /// <summary>A member that can hold an array or dictionary with reference-type elements, read by a compiled getter.</summary>
    sealed record Member(string Name, Func<object, object?> Read);

    // Per contract type, the members that can hold an array or dictionary with reference-type elements.
    static readonly ConcurrentDictionary<Type, Member[]> Members = new();

    public static List<string> Find(object request, int max)
    {
        var found = new List<string>();
        Walk(request, null, found, max);
        return found;
    }

    /// <summary>The way down to a value, turned into a JSON path only when a null is found there.</summary>
    sealed record Step(Step? Parent, string? Name, int Index)
    {
        public string Path(string? name = null, int index = -1)
        {
            var path = new System.Text.StringBuilder();
            Append(path);
            if (name is not null) path.Append(path.Length == 0 ? "" : ".").Append(name);
            else if (index >= 0) path.Append('[').Append(index).Append(']');
            return path.ToString();
        }

        void Append(System.Text.StringBuilder path)
        {
            Parent?.Append(path);
            if (Name is not null) path.Append(path.Length == 0 ? "" : ".").Append(Name);
            else path.Append('[').Append(Index).Append(']');
        }
    }

    static string PathOf(Step? at, string? name = null, int index = -1) =>
        at?.Path(name, index) ?? name ?? $"[{index}]";

    // A request's rows of numbers are only scanned; nothing is allocated on the way unless a null is found.
    static void Walk(object value, Step? at, List<string> found, int max)
    {
        if (found.Count >= max) return;
        var type = value.GetType();
        if (value is object?[] array)
        {
            bool inner = MayHoldNull(type.GetElementType()!);
            for (int i = 0; i < array.Length && found.Count < max; i++)
            {
                if (array[i] is not { } element) found.Add(PathOf(at, index: i));
                else if (inner) Walk(element, new Step(at, null, i), found, max);
            }
        }
        else if (value is IDictionary dictionary)
        {
            if (type.GetGenericArguments() is [_, { IsValueType: true }]) return;
            bool inner = MayHoldNull(type.GetGenericArguments()[1]);
            foreach (DictionaryEntry entry in dictionary)
            {
                if (found.Count >= max) return;
                string key = $"{entry.Key}";
                if (entry.Value is not { } element) found.Add(PathOf(at, key));
                else if (inner) Walk(element, new Step(at, key, -1), found, max);
            }
        }
        else if (value is Contracts.IWrapsContract wrapper)
        {
            if (wrapper.Wrapped is { } wrapped) Walk(wrapped, at, found, max);
        }
        else if (IsContract(type))
        {
            foreach (var member in Members.GetOrAdd(type, ContainersOf))
                if (member.Read(value) is { } child) Walk(child, new Step(at, member.Name, -1), found, max);
        }
    }

    static readonly ConcurrentDictionary<Type, bool> Holders = new();

    // Whether a value of this declared type can hold a null element at any depth (double[] and string cannot).
    static bool MayHoldNull(Type type) => Holders.GetOrAdd(type, t => MayHoldNull(t, []));

    static readonly ConcurrentDictionary<Type, bool> ContractTypes = new();

    static bool IsContract(Type type) =>
        ContractTypes.GetOrAdd(type, t => t.Namespace == typeof(Contracts.TrainRequest).Namespace && t.IsClass);

    static Member[] ContainersOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && MayHoldNull(p.PropertyType, []))
            .Select(p => new Member(JsonNamingPolicy.CamelCase.ConvertName(p.Name), Getter(p)))
            .ToArray();

    // Reflection's GetValue costs about 50 ns a call, on every request; a compiled getter a few.
    static Func<object, object?> Getter(PropertyInfo property)
    {
        var instance = Linq.Parameter(typeof(object));
        var read = Linq.Property(Linq.Convert(instance, property.DeclaringType!), property);
        return Linq.Lambda<Func<object, object?>>(
            Linq.Convert(read, typeof(object)), instance).Compile();
    }

    /// <summary>Whether a value of this type can hold a null element, at any depth.</summary>
    static bool MayHoldNull(Type type, HashSet<Type> seen)
    {
        if (type.IsArray) return !type.GetElementType()!.IsValueType;
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>)) return !type.GetGenericArguments()[1].IsValueType;
        if (typeof(Contracts.IWrapsContract).IsAssignableFrom(type)) return true;
        if (!IsContract(type) || !seen.Add(type)) return false;
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Any(p => p.GetIndexParameters().Length == 0 && MayHoldNull(p.PropertyType, seen));
    }
}
