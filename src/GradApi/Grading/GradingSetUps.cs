using System.Collections.Concurrent;
using GradApi.Contracts;
using GradApi.Domain.Grading;

namespace GradApi.Grading;

/// <summary>
/// The reference set-ups of light /v1/grade problems, kept for the next request on the same problem and paths (a class
/// posting its sheets one by one sends one problem and one list of paths): each is the reference run and the mistake runs
/// every sheet would otherwise make again, with what the request's checks found (the problem's work and the grading's
/// price), which depend on the same two things alone. Keyed on the problem's JSON tokens as read and the paths in order;
/// at most <see cref="MaxEntries"/> small problems (the converter keys none over 64 KB).
/// </summary>
public sealed class GradingSetUps(Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions)
{
    readonly System.Text.Json.JsonSerializerOptions json = jsonOptions.Value.SerializerOptions;

    /// <summary>
    /// Past this many set-ups all are dropped: a few classes at a time is the use, and dropping costs one reference run each.
    /// A kept problem's price bounds what its runs hold (every run is priced), so of the order of 16 MB each at most.
    /// </summary>
    public const int MaxEntries = 16;

    /// <summary>
    /// Only problems priced at most this share of maxGradingWork (and light, lightWorkShare) are kept: their mistake runs,
    /// made for whichever request first needs them, cannot be cancelled.
    /// </summary>
    public const double MaxWorkShare = 0.01;

    readonly ConcurrentDictionary<Key, Kept> _kept = new();
    readonly Lock _keeping = new();

    /// <summary>
    /// A set-up made for an earlier request, with the problem's work and the price its checks found, and the answers its
    /// responses have rendered (the class's right answers write alike).
    /// </summary>
    public sealed record Kept(GradingSetUp SetUp, long? ProblemWork, long WorkUnits)
    {
        public Endpoints.AnswerRenderings Answers { get; } = Endpoints.AnswerRenderings.ForKeptSetUp();
    }

    /// <summary>Where a request's set-up is kept (or found): its key, and what its checks found.</summary>
    public sealed record Slot(Key Key, Kept? Found, long? ProblemWork = null);

    /// <summary>A /v1/train problem read with its tokens and answers that all name a path; null for any other request.</summary>
    public static Key? KeyOf(GradeProblem? problem, IReadOnlyList<AnswerRequest>? answers)
    {
        if (problem is not { Train: not null, TrainTokens: { } tokens } || answers is null) return null;
        var paths = new string[answers.Count];
        for (int i = 0; i < paths.Length; i++)
            if ((paths[i] = answers[i]?.Path!) is null) return null;
        return new Key(tokens, paths);
    }

    /// <summary>Set-ups kept now.</summary>
    public int Count => _kept.Count;

    public Kept? Find(Key key) => _kept.TryGetValue(key, out var kept) ? kept : null;

    /// <summary>Drops every kept set-up (the warm-up's, before the service answers).</summary>
    public void Clear()
    {
        lock (_keeping) _kept.Clear();
    }

    /// <summary>Makes the set-up (stopping with <paramref name="cancellation"/>, when nothing is kept) and keeps it with what the checks found.</summary>
    public Kept Keep(Key key, TrainRequest problem, long? problemWork, long workUnits, CancellationToken cancellation)
    {
        var setUp = GradingSetUp.Shared(problem.ToProblem(), key.Paths, cancellation);
        lock (_keeping)
        {
            if (_kept.TryGetValue(key, out var kept)) return kept;
            if (_kept.Count >= MaxEntries) _kept.Clear();
            GradeProblemJsonConverter.Remember(key.Tokens, problem, json);
            return _kept[key] = new Kept(setUp, problemWork, workUnits);
        }
    }

    /// <summary>A problem's tokens and the paths, in order.</summary>
    public sealed class Key : IEquatable<Key>
    {
        readonly byte[] _tokens;
        readonly int _hash;

        public Key(byte[] tokens, string[] paths)
        {
            _tokens = tokens;
            Paths = paths;
            // The paths by their lengths and middle characters: Equals compares them whole, and hashing each path's text
            // (randomized string hashing, 20 paths a sheet) took 0.6% of the server's samples under /v1/grade load.
            var hash = new HashCode();
            hash.AddBytes(tokens);
            foreach (var path in paths)
            {
                hash.Add(path.Length);
                if (path.Length > 0) hash.Add(path[path.Length / 2]);
            }
            _hash = hash.ToHashCode();
        }

        public string[] Paths { get; }
        internal byte[] Tokens => _tokens;

        public bool Equals(Key? other) => other is not null && _hash == other._hash && _tokens.AsSpan().SequenceEqual(other._tokens)
            && Paths.AsSpan().SequenceEqual(other.Paths, StringComparer.Ordinal);

        public override bool Equals(object? obj) => Equals(obj as Key);
        public override int GetHashCode() => _hash;
    }
}
