using System.Buffers;
using System.IO.Pipelines;

namespace GradApi.Endpoints;

/// <summary>
/// A response body held in pooled memory and handed to the response in pieces. While nothing is sent, a small trace goes
/// out whole, with its Content-Length, in one write, and work stopped before that point leaves nothing sent, so it can
/// still be answered with a problem. Write through it, flush the JSON writer, then call <see cref="Release"/> once the
/// body is complete or has grown past what is worth holding, and again whenever the next piece is worth sending: the
/// same buffer is reused, so memory is what one piece holds, and the pipe gets full blocks in one copy (a JSON writer
/// asking the pipe for room itself leaves most of each 4 KB block empty once its writes are larger).
/// </summary>
public sealed class HeldBody(PipeWriter body) : IBufferWriter<byte>, IDisposable
{
    byte[]? _held = ArrayPool<byte>.Shared.Rent(16 * 1024);
    int _length;
    bool _released;

    /// <summary>Still in memory: nothing of the response has been handed to it.</summary>
    public bool Holding => !_released;

    /// <summary>Bytes held, not yet handed to the response.</summary>
    public int Length => _length;

    /// <summary>Writes what is held to the response body (the caller flushes it) and holds the next bytes afresh.</summary>
    public void Release()
    {
        ObjectDisposedException.ThrowIf(_held is null, this);
        body.Write(_held.AsSpan(0, _length));
        _length = 0;
        _released = true;
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0) => Room(sizeHint).AsMemory(_length);

    public Span<byte> GetSpan(int sizeHint = 0) => Room(sizeHint).AsSpan(_length);

    byte[] Room(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_held is null, this);
        int needed = _length + Math.Max(sizeHint, 256);
        if (needed <= _held.Length) return _held;
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
