using GradApi.Domain.Grading;

namespace GradApi.Tests.Grading;

/// <summary>
/// A class's paths, looked up first by the string at the same position in the submission before: each path's value is
/// made once, whether the strings are the same object or only equal, and in any order the submissions give them.
/// </summary>
public sealed class PathTableTests
{
    [Fact]
    public void EachPathsValueIsMadeOnceAndListedInTheOrderThePathsFirstAppear()
    {
        var made = new List<string>();
        var table = new PathTable<string>(path => { made.Add(path); return path.ToUpperInvariant(); });
        string a = "/a", b = "/b";
        // Same objects at the same positions, then equal copies, then the order swapped, then a new path.
        string[][] submissions = [[a, b], [a, b], [new string(a), new string(b)], [b, a], [b, "/c"]];
        var got = submissions.Select(s => s.Select((path, i) => table.Get(i, path)).ToArray()).ToArray();

        Assert.Equal(["/a", "/b", "/c"], made);
        Assert.Equal(["/A", "/B", "/C"], table.InOrder);
        Assert.Equal(new[] { "/A", "/B" }, got[2]);
        Assert.Equal(new[] { "/B", "/A" }, got[3]);
        Assert.Equal(new[] { "/B", "/C" }, got[4]);
    }
}
