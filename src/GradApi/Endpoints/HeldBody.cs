using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace GradApi.Endpoints;

/// <summary>
/// A response body written into pooled memory and handed to the response in large pieces.
/// <list type="bullet">
/// <item>A small body goes out whole, with its Content-Length, in one write; work stopped before the first
/// send leaves nothing sent, so it can still be answered with a problem.</item>
/// <item>A large one, once its first piece is sent, is written straight into the response pipe's memory, asked for
/// <see cref="PieceBytes"/> at a time, and flushed a piece at a time. Asking for that much makes each piece one pipe
/// segment and one HTTP chunk (a plain write filled the pipe's 4 KB blocks one by one: a lock of the response pipe, a
/// chunk header and a socket buffer per 4 KB, and a copy of every byte out of the held buffer). Writing a JSON writer
/// straight into the pipe without that hint asked it for memory every 4 KB, and each ask took a lock the socket's
/// sender also takes (measured on an 11.7 MB class answer: 6% of the time spent waiting on it).</item>
/// </list>
/// Write a JSON writer through it, call <see cref="SendIfFull"/> where a piece may be worth sending, and
/// <see cref="Complete"/> at the end.
/// </summary>
public sealed class HeldBody(HttpResponse response) : IBufferWriter<byte>, IDisposable
{
    /// <summary>A socket's worth: below this a body is held whole; above, it is handed over about this much at a time.</summary>
    public const int PieceBytes = 64 * 1024;

    readonly PipeWriter body = response.BodyWriter;
    byte[]? _held = ArrayPool<byte>.Shared.Rent(16 * 1024);
    // Before the first send: the bytes held. After: the bytes written into the response pipe since its last flush.
    int _length;

    // Something has been handed to the response: its status and headers are no longer the handler's to change.
    bool _started;
    bool _disposed;

    /// <summary>
    /// Sends what is held (or written) and what the writer has pending once together they make a piece; true when it sent.
    /// The first send is the point past which a body is no longer held whole.
    /// </summary>
    public ValueTask<bool> SendIfFull(Utf8JsonWriter writer, CancellationToken cancel) =>
        _length + writer.BytesPending < PieceBytes ? ValueTask.FromResult(false) : Send(writer, cancel);

    async ValueTask<bool> Send(Utf8JsonWriter writer, CancellationToken cancel)
    {
        // The writer gives back the memory it has (and asks for new memory, from the pipe, on its next write).
        writer.Flush();
        Release();
        await body.FlushAsync(cancel);
        return true;
    }

    /// <summary>Ends the body: one never sent goes out whole, with its Content-Length.</summary>
    public async Task Complete(Utf8JsonWriter writer, CancellationToken cancel)
    {
        writer.Flush();
        if (!_started)
        {
            response.ContentLength = _length;
            // Headers first, so the body is copied once, into the response pipe: written before the response has
            // started, Kestrel holds it in memory of its own and copies it into the pipe again behind the headers.
            await response.StartAsync(cancel);
        }
        Release();
        await body.FlushAsync(cancel);
    }

    // Before the first send: hands what is held to the response body in one copy, and from then on the writer writes
    // into the body itself. After: what was written is the pipe's already; the caller flushes it.
    void Release()
    {
        if (_started)
        {
            _length = 0;
            return;
        }
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_length > 0)
        {
            _held.AsSpan(0, _length).CopyTo(body.GetSpan(_length));
            body.Advance(_length);
        }
        _length = 0;
        _started = true;
        ArrayPool<byte>.Shared.Return(_held!);
        _held = null;
    }

    public void Advance(int count)
    {
        if (_started) body.Advance(count);
        _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => _started ? BodyMemory(sizeHint) : Room(sizeHint).AsMemory(_length);

    public Span<byte> GetSpan(int sizeHint = 0) => _started ? BodyMemory(sizeHint).Span : Room(sizeHint).AsSpan(_length);

    Memory<byte> BodyMemory(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return body.GetMemory(Math.Max(sizeHint, PieceBytes));
    }

    byte[] Room(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_disposed || _held is null, this);
        int needed = _length + Math.Max(sizeHint, 256);
        if (needed <= _held.Length) return _held;
        return _held = Json.PooledBytes.Grown(_held, _length, Math.Max(needed, 2 * _held.Length));
    }

    public void Dispose()
    {
        if (_held is not null) ArrayPool<byte>.Shared.Return(_held);
        _held = null;
        _length = 0;
        _disposed = true;
    }
}
