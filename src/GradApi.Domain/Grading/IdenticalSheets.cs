using System.Runtime.InteropServices;

namespace GradApi.Domain.Grading;

/// <summary>
/// A class's repeated sheets. A grade depends only on the session and the sheet, so a sheet identical to an earlier one
/// (the same paths in the same order, the same values bit for bit or the same unreadable text, points, tolerances and
/// formulas) is given the earlier sheet's grade rather than graded again. Classes repeat sheets: every student right at the
/// tolerance's decimals writes the same numbers, and a common slip made from right numbers gives the same wrong ones. A
/// sheet that differs anywhere, if only in a last digit or a zero's sign, is graded on its own.
/// </summary>
public static class IdenticalSheets
{
    /// <summary>For each sheet, the index of the first sheet identical to it (its own when it is the first): never later than it.</summary>
    public static int[] FirstOfEach(IReadOnlyList<IReadOnlyList<Answer>> sheets)
    {
        var first = new int[sheets.Count];
        var seen = new Dictionary<IReadOnlyList<Answer>, int>(sheets.Count, SameSheet.Instance);
        for (int s = 0; s < first.Length; s++)
            first[s] = seen.TryAdd(sheets[s], s) ? s : seen[sheets[s]];
        return first;
    }

    sealed class SameSheet : IEqualityComparer<IReadOnlyList<Answer>>
    {
        public static readonly SameSheet Instance = new();

        public bool Equals(IReadOnlyList<Answer>? x, IReadOnlyList<Answer>? y)
        {
            if (ReferenceEquals(x, y)) return true;
            if (x is null || y is null || x.Count != y.Count) return false;
            for (int i = 0; i < x.Count; i++)
                if (!Same(x[i], y[i])) return false;
            return true;
        }

        // A class's sheets name the same paths: their values tell them apart. Mixed word by word, as HashCode's byte-span
        // and string hashing showed in a profile at a few doubles per answer.
        public int GetHashCode(IReadOnlyList<Answer> sheet)
        {
            uint hash = (uint)sheet.Count;
            for (int i = 0; i < sheet.Count; i++)
            {
                var answer = sheet[i];
                hash = (hash ^ (uint)answer.Path.Length) * 0x9E3779B1;
                if (answer.Value.Tensor is not { } tensor) continue;
                foreach (ulong bits in MemoryMarshal.Cast<double, ulong>(tensor.Data.AsSpan()))
                    hash = (hash ^ (uint)(bits ^ bits >> 32)) * 0x9E3779B1;
            }
            return (int)(hash ^ hash >> 15);
        }

        // Bit for bit, so -0 and 0 (written differently) or two NaNs are never taken for each other's.
        static bool Same(Answer a, Answer b) =>
            string.Equals(a.Path, b.Path, StringComparison.Ordinal)
            && Bits(a.Points) == Bits(b.Points)
            && string.Equals(a.Formula, b.Formula, StringComparison.Ordinal)
            && Same(a.Tolerance, b.Tolerance)
            && string.Equals(a.Value.Unreadable, b.Value.Unreadable, StringComparison.Ordinal)
            && (a.Value.Tensor, b.Value.Tensor) switch
            {
                (null, null) => true,
                ({ } s, { } t) => s.Shape.AsSpan().SequenceEqual(t.Shape)
                    && MemoryMarshal.AsBytes(s.Data.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(t.Data.AsSpan())),
                _ => false,
            };

        static bool Same(Tolerance? a, Tolerance? b) => ReferenceEquals(a, b) || a is not null && b is not null
            && a.Kind == b.Kind && Bits(a.Relative) == Bits(b.Relative) && Bits(a.Absolute) == Bits(b.Absolute)
            && a.Decimals == b.Decimals && a.Figures == b.Figures;

        static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);
    }
}
