using System.Buffers;
using System.IO.Pipelines;

namespace GradApi.Endpoints;

/// <summary>
/// A response body held in pooled memory while it is small, then handed to the response as it is written.
/// A small trace goes out whole, with its Content-Length, in one write, and work stopped before that point
/// leaves nothing sent, so it can still be answered with a problem. Write through it, flush the JSON writer,
/// then call <see cref="Release"/> once the body is complete or has grown past what is worth holding.
/// </summary>
public sealed class HeldBody(PipeWriter body) : IBufferWriter<byte>, IDisposable
{
    byte[]? _held = ArrayPool<byte>.Shared.Rent(16 * 1024);
    int _length;

    /// <summary>Still in memory: nothing of the response has been sent.</summary>
    public bool Holding => _held is not null;

    /// <summary>Bytes held.</summary>
    public int Length => _length;

    /// <summary>Writes what is held to the response body and from then on passes every write straight to it.</summary>
    public void Release()
    {
        if (_held is null) return;
        body.Write(_held.AsSpan(0, _length));
        Return();
    }

    public void Advance(int count)
    {
        if (_held is null) body.Advance(count);
        else _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => _held is null ? body.GetMemory(sizeHint) : Room(sizeHint).AsMemory(_length);

    public Span<byte> GetSpan(int sizeHint = 0) => _held is null ? body.GetSpan(sizeHint) : Room(sizeHint).AsSpan(_length);

    byte[] Room(int sizeHint)
    {
        int needed = _length + Math.Max(sizeHint, 256);
        if (needed <= _held!.Length) return _held;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 2 * _held.Length));
        _held.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_held);
        return _held = larger;
    }

    void Return()
    {
        if (_held is not null) ArrayPool<byte>.Shared.Return(_held);
        _held = null;
        _length = 0;
    }

    public void Dispose() => Return();
}
