using System.Collections.Concurrent;
using GradApi.Contracts;
using GradApi.Domain.Grading;

namespace GradApi.Grading;

/// <summary>
/// The reference set-ups of light /v1/grade problems, kept for the next request on the same problem and paths (a class
/// posting its sheets one by one sends one problem and one list of paths): each is the reference run and the mistake runs
/// every sheet would otherwise make again. Keyed on the problem's JSON tokens as read and the paths in order, which is
/// everything a set-up depends on; at most <see cref="MaxEntries"/> small problems (the converter keys none over 64 KB).
/// </summary>
public sealed class GradingSetUps
{
    /// <summary>Past this many set-ups all are dropped: a few classes at a time is the use, and dropping costs one reference run each.</summary>
    public const int MaxEntries = 64;

    readonly ConcurrentDictionary<Key, GradingSetUp> _setUps = new();

    /// <summary>The set-up for a problem read with its tokens, made now (stopping with <paramref name="cancellation"/>) when not kept.</summary>
    public GradingSetUp For(byte[] problemTokens, TrainRequest problem, string[] paths, CancellationToken cancellation)
    {
        var key = new Key(problemTokens, paths);
        if (_setUps.TryGetValue(key, out var kept)) return kept;
        var setUp = GradingSetUp.Shared(problem.ToProblem(), paths, cancellation);
        if (_setUps.Count >= MaxEntries) _setUps.Clear();
        return _setUps.GetOrAdd(key, setUp);
    }

    sealed class Key : IEquatable<Key>
    {
        readonly byte[] _tokens;
        readonly string[] _paths;
        readonly int _hash;

        public Key(byte[] tokens, string[] paths)
        {
            _tokens = tokens;
            _paths = paths;
            var hash = new HashCode();
            hash.AddBytes(tokens);
            foreach (var path in paths) hash.Add(path, StringComparer.Ordinal);
            _hash = hash.ToHashCode();
        }

        public bool Equals(Key? other) => other is not null && _hash == other._hash && _tokens.AsSpan().SequenceEqual(other._tokens)
            && _paths.AsSpan().SequenceEqual(other._paths, StringComparer.Ordinal);

        public override bool Equals(object? obj) => Equals(obj as Key);
        public override int GetHashCode() => _hash;
    }
}
