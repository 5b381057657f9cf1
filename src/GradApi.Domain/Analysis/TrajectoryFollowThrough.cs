using GradApi.Domain.Optimizers;

namespace GradApi.Domain.Analysis;

/// <summary>The part of a trajectory step a value belongs to (the fields of a step in /v1/optimization/trajectories).</summary>
public enum StepPart { Parameters, Objective, Gradient, State, LookAhead }

/// <summary>
/// Where in a trajectory: step <see cref="Step"/>'s <see cref="Part"/> (state slot <see cref="Slot"/>), elements
/// <see cref="Offset"/> to <see cref="Offset"/> + <see cref="Length"/> of the flat vector (theta's layout; 0 and 1 for the objective).
/// </summary>
public sealed record StepAddress(int Step, StepPart Part, int Slot, int Offset, int Length);

/// <summary>A student's values at an address, and the index of the answer that gave them.</summary>
public sealed record StepAnswer(int Answer, StepAddress Address, double[] Values);

/// <summary>
/// Follow-through over a trajectory's steps: the run made again with every value the student gave put in its place,
/// so each step's parameters, state, objective and gradient are what they are given the student's own earlier values
/// (seed 003 at lr 2.5: after a wrong w3 = 687.5, w4 = 687.5 - 2.5 (687.5 - 100) = -781.25). Each input of a value is the
/// student's where one was given, else the value recomputed from the student's values further up, else the reference's;
/// per element, the answers that entered it are tracked, following the optimizer's own dependency table (a slot reads
/// g, its previous value and <see cref="Optimizer.SlotReads"/>; theta reads <see cref="Optimizer.StepReads"/>, g when
/// <see cref="Optimizer.StepReadsGradient"/>, and the previous theta), and a gradient reads every parameter.
/// The step itself is <see cref="Trajectory"/>'s: the same optimizer, objective and look-ahead calls.
/// </summary>
public sealed class TrajectoryFollowThrough : IStepValues
{
    // Per step and address kind, the value recomputed from the student's earlier values, before the student's own replaced it.
    readonly Dictionary<(int Step, StepPart Part, int Slot), Tracked> _carried = [];
    // The same after the student's own values took their places: what later steps read.
    readonly Dictionary<(int Step, StepPart Part, int Slot), Tracked> _effective = [];
    // Per step t, the gradient step t's update read (at theta_(t-1), or at the look-ahead point).
    readonly Dictionary<int, Tracked> _gradientUsed = [];

    /// <summary>The value at step, part and slot as the student's inputs give it, or null past the last step.</summary>
    public double[]? Computed(int step, StepPart part, int slot) =>
        _carried.TryGetValue((step, part, part == StepPart.State ? slot : 0), out var t) ? t.Values : null;

    /// <summary>The value at step, part and slot that later steps read (the student's where given), or null past the last step.</summary>
    public double[]? Read(int step, StepPart part, int slot) =>
        _effective.TryGetValue((step, part, part == StepPart.State ? slot : 0), out var t) ? t.Values : null;

    /// <summary>The gradient step t's update read, or null past the last step.</summary>
    public double[]? GradientUsed(int step) => _gradientUsed.TryGetValue(step, out var g) ? g.Values : null;

    TrajectoryFollowThrough() { }

    /// <summary>The value at an address recomputed from the student's other values, and the answers that entered it (null past the last step run).</summary>
    public (double[] Values, IReadOnlyList<int> Used)? At(StepAddress address)
    {
        if (!_carried.TryGetValue((address.Step, address.Part, address.Part == StepPart.State ? address.Slot : 0), out var tracked)) return null;
        if (address.Offset + address.Length > tracked.Values.Length) return null;
        var used = new SortedSet<int>();
        for (int i = address.Offset; i < address.Offset + address.Length; i++)
            if (tracked.Used[i] is { } set) used.UnionWith(set);
        return (tracked.Values.AsSpan(address.Offset, address.Length).ToArray(), used.ToArray());
    }

    /// <param name="start">theta at step 0 (the problem's, so never replaced).</param>
    /// <param name="lastStep">The last step to recompute (the largest step any answer names, at most the reference's last).</param>
    public static TrajectoryFollowThrough Run(IObjective objective, Optimizer optimizer, ReadOnlySpan<double> start, IReadOnlyList<StepAnswer> answers,
        int lastStep, CancellationToken cancellation = default)
    {
        var run = new TrajectoryFollowThrough();
        int n = objective.Dimension;
        var given = answers.GroupBy(a => (a.Address.Step, a.Address.Part, a.Address.Part == StepPart.State ? a.Address.Slot : 0))
            .ToDictionary(g => g.Key, g => g.ToArray());

        // theta and the state as the student has them after step t (their values where given).
        var theta = new Tracked(start.ToArray());
        var state = optimizer.CreateState(n).Select(s => new Tracked(s)).ToArray();
        run.Record((0, StepPart.Parameters, 0), theta, given);
        for (int s = 0; s < state.Length; s++) run.Record((0, StepPart.State, s), state[s], given);
        var gradient = run.GradientAt(objective, 0, theta, given);

        for (int t = 1; t <= lastStep; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            var g = gradient;
            if (optimizer.UsesLookAhead)
            {
                var point = new double[n];
                optimizer.LookAhead(theta.Values, state.Select(s => s.Values).ToArray(), point);
                var lookAhead = new Tracked(point, Union(n, [theta, .. state]));
                run.Record((t, StepPart.LookAhead, 0), lookAhead, given);
                g = Dense(objective.Gradient, lookAhead);
            }

            run._gradientUsed[t] = g;
            var before = theta;
            var previous = state;
            var values = (double[])theta.Values.Clone();
            var slots = state.Select(s => (double[])s.Values.Clone()).ToArray();
            var after = new Tracked[state.Length];
            // Each slot is recorded as computed, then replaced by the student's own before later slots and theta read it.
            optimizer.Step(values, g.Values, slots, t, optimizer.UsesLookAhead ? g.Point! : before.Values, slot =>
            {
                var reads = new List<Tracked>();
                if (optimizer.SlotReadsGradient(slot)) reads.Add(g);
                if (optimizer.IsRecurrent(slot)) reads.Add(previous[slot]);
                reads.AddRange(optimizer.SlotReads(slot).Select(r => after[r]));
                after[slot] = run.Record((t, StepPart.State, slot), new Tracked((double[])slots[slot].Clone(), Union(n, reads)), given);
                after[slot].Values.CopyTo(slots[slot], 0);
            });
            var thetaReads = new List<Tracked> { before };
            thetaReads.AddRange(optimizer.StepReads.Select(r => after[r]));
            if (optimizer.StepReadsGradient) thetaReads.Add(g);
            theta = run.Record((t, StepPart.Parameters, 0), new Tracked(values, Union(n, thetaReads)), given);
            state = after;
            gradient = run.GradientAt(objective, t, theta, given);
        }
        return run;
    }

    // The objective and gradient at the student's theta of step t (each reads every parameter), the gradient then replaced by theirs.
    Tracked GradientAt(IObjective objective, int t, Tracked theta, Dictionary<(int, StepPart, int), StepAnswer[]> given)
    {
        var every = Every(theta);
        Record((t, StepPart.Objective, 0), new Tracked([objective.Value(theta.Values)], [every]), given);
        return Record((t, StepPart.Gradient, 0), Dense(objective.Gradient, theta), given);
    }

    static Tracked Dense(GradientFunction gradient, Tracked at)
    {
        var values = new double[at.Values.Length];
        gradient(at.Values, values);
        var used = new SortedSet<int>?[values.Length];
        if (Every(at) is { } every) Array.Fill(used, every);
        return new Tracked(values, used) { Point = at.Values };
    }

    // The answers behind any element (a function of every parameter reads them all); null when none.
    static SortedSet<int>? Every(Tracked at)
    {
        var every = new SortedSet<int>();
        foreach (var u in at.Used) if (u is not null) every.UnionWith(u);
        return every.Count > 0 ? every : null;
    }

    delegate void GradientFunction(ReadOnlySpan<double> theta, Span<double> gradient);

    // Keeps the recomputed value, then puts the student's own in its place, element by element.
    Tracked Record((int, StepPart, int) key, Tracked value, Dictionary<(int, StepPart, int), StepAnswer[]> given)
    {
        _carried[key] = value;
        if (!given.TryGetValue(key, out var answers)) return _effective[key] = value;
        var values = (double[])value.Values.Clone();
        var used = (SortedSet<int>?[])value.Used.Clone();
        foreach (var answer in answers)
        {
            var at = answer.Address;
            if (at.Offset + answer.Values.Length > values.Length) continue;
            for (int i = 0; i < answer.Values.Length; i++)
            {
                values[at.Offset + i] = answer.Values[i];
                used[at.Offset + i] = [answer.Answer];
            }
        }
        return _effective[key] = new Tracked(values, used) { Point = value.Point };
    }

    // Per element, the answers behind any of the inputs' same element.
    static SortedSet<int>?[] Union(int n, IReadOnlyList<Tracked> inputs)
    {
        var used = new SortedSet<int>?[n];
        for (int i = 0; i < n; i++)
            foreach (var input in inputs)
                if (i < input.Used.Length && input.Used[i] is { Count: > 0 } set)
                    (used[i] ??= []).UnionWith(set);
        return used;
    }

    /// <summary>A vector with, per element, the answers whose values entered it (null: none).</summary>
    sealed record Tracked(double[] Values, SortedSet<int>?[] Used)
    {
        public Tracked(double[] values) : this(values, new SortedSet<int>?[values.Length]) { }

        /// <summary>For a gradient: the point it was taken at (weight decay reads it).</summary>
        public double[]? Point { get; init; }
    }
}
