namespace GradApi.Domain.Grading;

/// <summary>
/// Values by answer path across a class's submissions, made at each path's first appearance and listed in that order.
/// A class answers the same paths in the same order, and the request's reader makes each repeated path one string, so
/// the value the same position had in the submission before is tried first, by reference, before the path is hashed
/// (hashing 20,000 paths was most of summing up a batch, and of pricing it).
/// </summary>
public sealed class PathTable<T>(Func<string, T> make)
{
    readonly Dictionary<string, T> _byPath = new(StringComparer.Ordinal);
    readonly List<(string Path, T Value)> _atPosition = [];
    readonly List<T> _inOrder = [];

    /// <summary>The values in the order their paths first appeared.</summary>
    public IReadOnlyList<T> InOrder => _inOrder;

    /// <summary>The value for the answer at <paramref name="position"/> of its submission, whose path is <paramref name="path"/>.</summary>
    public T Get(int position, string path)
    {
        if (position < _atPosition.Count && ReferenceEquals(_atPosition[position].Path, path)) return _atPosition[position].Value;
        if (!_byPath.TryGetValue(path, out var value))
        {
            _byPath[path] = value = make(path);
            _inOrder.Add(value);
        }
        if (position < _atPosition.Count) _atPosition[position] = (path, value);
        else _atPosition.Add((path, value));
        return value;
    }
}
