using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using GradApi.Domain.Tensors;

namespace GradApi.Json;

/// <summary>
/// Writes a tensor in its shape ([n], [r][c], [b][n][n]; a scalar as a number; NaN and infinities as strings, -0 as 0) into a
/// <see cref="Utf8JsonWriter"/>, formatted in a scratch buffer and handed over <see cref="ChunkBytes"/> at a time, instead
/// of a writer call per number. Large tensors go in several chunks, so the caller can send the body between them.
/// <para>Each chunk is passed to <see cref="Utf8JsonWriter.WriteRawValue(ReadOnlySpan{byte}, bool)"/> unvalidated and ends where a
/// comma between two elements belongs, without it: the writer puts a list separator before every raw value after the first
/// (the one it would put before the next property or element anyway), so the chunks join into the tensor's text exactly as
/// writing it element by element did, and the writer's depth is untouched, as after any one complete value.</para>
/// </summary>
public sealed class TensorText : IDisposable
{
    /// <summary>Text handed to the writer at a time: a socket's worth, in one copy.</summary>
    public const int ChunkBytes = 16 * 1024;

    // Past a chunk's end: one element (the longest number, or "-Infinity" quoted) with its comma and the brackets around it.
    const int ElementRoom = ShortestDouble.MaxLength + 8;

    [ThreadStatic] static TensorText? _shared;

    // Pooled: a response's writer takes one, and a seed-sized trace should not cost a fresh 16 KB.
    byte[] _scratch = ArrayPool<byte>.Shared.Rent(ChunkBytes + ElementRoom + 64);
    Tensor? _tensor;
    KeptText? _keep;
    int _next;
    // _blocks[d]: the elements under one index of dimension d - 1 (the product of shape[d..]); _blocks[0] is the tensor's length.
    int[] _blocks = new int[4];

    // One response's numbers by their bits, each slot the last number written there (MemoSlots of them, MaxLength bytes of
    // text each, then their lengths, 0 for none): a trace writes many again (a layer's a as the next one's input, delta as the
    // bias gradient of a batch of one, the loss as its one example's, the last step's parameters as the final ones). Null
    // for the shared writer, which outlives its responses.
    byte[]? _memo;
    ulong[]? _memoBits;
    const int MemoSlots = 64;
    // Only small tensors' numbers go through it: a large one's are mostly distinct (its repeats are whole tensors, KeptText's),
    // and would only cost the look-up.
    const int RememberedUpTo = 256;
    bool _remembering;

    /// <summary>A writer for one response, which remembers the text of the numbers it writes until it is disposed.</summary>
    public static TensorText ForOneResponse()
    {
        var text = new TensorText { _memo = ArrayPool<byte>.Shared.Rent(MemoSlots * (ShortestDouble.MaxLength + 1)), _memoBits = ArrayPool<ulong>.Shared.Rent(MemoSlots) };
        text._memo.AsSpan(MemoSlots * ShortestDouble.MaxLength, MemoSlots).Clear();
        return text;
    }

    /// <summary>Writes <paramref name="tensor"/> whole (the grading results and the serializer's converter).</summary>
    public static void Write(Utf8JsonWriter writer, Tensor tensor)
    {
        var text = _shared ??= new TensorText();
        text.Start(tensor);
        while (!text.WriteChunk(writer)) { }
    }

    /// <summary>
    /// Begins a tensor; then call <see cref="WriteChunk"/> until it answers true. With <paramref name="keep"/>, every
    /// chunk handed to the writer is also kept there, to be written again.
    /// </summary>
    public void Start(Tensor tensor, KeptText? keep = null)
    {
        int rank = tensor.Rank;
        if (_blocks.Length < rank) _blocks = new int[rank];
        if (_scratch.Length < ChunkBytes + ElementRoom + 2 * rank)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(ChunkBytes + ElementRoom + 2 * rank);
        }
        int block = 1;
        for (int d = rank - 1; d >= 0; d--) _blocks[d] = block *= tensor.Shape[d];
        _tensor = tensor;
        _keep = keep;
        _next = 0;
        _remembering = _memo is not null && tensor.Length <= RememberedUpTo;
    }

    /// <summary>Writes the next chunk of the tensor begun by <see cref="Start"/>; true once its text is complete.</summary>
    public bool WriteChunk(Utf8JsonWriter writer)
    {
        var tensor = _tensor ?? throw new InvalidOperationException("no tensor begun");
        var data = tensor.Data;
        if (data.Length == 0)
        {
            Emit(writer, Empty(tensor.Shape));
            _tensor = null;
            return true;
        }
        int rank = tensor.Rank;
        int row = rank == 0 ? 1 : tensor.Shape[rank - 1];
        Span<byte> text = _scratch;
        int at = 0;
        int next = _next;
        // Where in its row the chunk starts (one division a chunk): every later row starts at its first element.
        int column = next % row;
        for (; ; )
        {
            if (column == 0) at += Brackets(text[at..], next, rank, (byte)'[');
            int rowEnd = next - column + row;
            column = 0;
            for (; ; )
            {
                at += _remembering ? WriteRemembered(data[next++], text[at..]) : WriteNumber(data[next++], text[at..]);
                if (next == rowEnd) break;
                if (at >= ChunkBytes) return Hand(writer, at, next);
                text[at++] = (byte)',';
            }
            at += Brackets(text[at..], next, rank, (byte)']');
            if (next == data.Length)
            {
                Emit(writer, text[..at]);
                _tensor = null;
                return true;
            }
            if (at >= ChunkBytes) return Hand(writer, at, next);
            text[at++] = (byte)',';
        }
    }

    bool Hand(Utf8JsonWriter writer, int length, int next)
    {
        Emit(writer, _scratch.AsSpan(0, length));
        _next = next;
        return false;
    }

    void Emit(Utf8JsonWriter writer, ReadOnlySpan<byte> chunk)
    {
        writer.WriteRawValue(chunk, skipInputValidation: true);
        _keep?.Add(chunk);
    }

    /// <summary>
    /// The brackets at row boundary <paramref name="index"/>: one for each dimension whose block starts (or ends) there.
    /// The tensor's own at its two ends and a row's always; only a middle dimension's (a batch of Jacobians) takes a
    /// division, not every dimension's at every row.
    /// </summary>
    int Brackets(Span<byte> text, int index, int rank, byte bracket)
    {
        if (rank == 0) return 0;
        int count = 0;
        if (index == 0 || index == _blocks[0]) text[count++] = bracket;
        for (int d = 1; d < rank - 1; d++)
            if (index % _blocks[d] == 0) text[count++] = bracket;
        if (rank > 1) text[count++] = bracket;
        return count;
    }

    /// <summary>Returns the scratch buffer to the pool; the instance is not used after.</summary>
    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = [];
        _tensor = null;
        if (_memo is not null) ArrayPool<byte>.Shared.Return(_memo);
        if (_memoBits is not null) ArrayPool<ulong>.Shared.Return(_memoBits);
        _memo = null;
        _memoBits = null;
    }

    // WriteNumber's text, copied when the slot holds the same bits (a copy of up to 24 bytes against about 35 ns of
    // formatting a 17-digit number); zero and the shortest numbers are written as they come.
    int WriteRemembered(double value, Span<byte> text)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        if ((bits & 0x000F_FFFF_FFFF_FFFFUL) == 0 || !double.IsFinite(value)) return WriteNumber(value, text);
        int slot = (int)((bits * 0x9E37_79B9_7F4A_7C15UL) >> 58);
        var memo = _memo!;
        int length = memo[MemoSlots * ShortestDouble.MaxLength + slot];
        if (length != 0 && _memoBits![slot] == bits)
        {
            memo.AsSpan(slot * ShortestDouble.MaxLength, length).CopyTo(text);
            return length;
        }
        length = ShortestDouble.Format(value, text);
        _memoBits![slot] = bits;
        memo[MemoSlots * ShortestDouble.MaxLength + slot] = (byte)length;
        text[..length].CopyTo(memo.AsSpan(slot * ShortestDouble.MaxLength));
        return length;
    }

    /// <summary>A number as the writer writes it: -0 as 0, NaN and infinities as strings.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteNumber(double value, Span<byte> text)
    {
        if (value == 0)
        {
            text[0] = (byte)'0';
            return 1;
        }
        return double.IsFinite(value) ? ShortestDouble.Format(value, text) : WriteNonFinite(value, text);
    }

    static int WriteNonFinite(double value, Span<byte> text)
    {
        var quoted = double.IsNaN(value) ? "\"NaN\""u8 : value > 0 ? "\"Infinity\""u8 : "\"-Infinity\""u8;
        quoted.CopyTo(text);
        return quoted.Length;
    }

    /// <summary>A tensor with no elements: its brackets alone ([], [[],[]]).</summary>
    static byte[] Empty(int[] shape)
    {
        var text = new List<byte>();
        Brackets(0);
        return text.ToArray();

        void Brackets(int dimension)
        {
            text.Add((byte)'[');
            if (dimension + 1 < shape.Length)
                for (int i = 0; i < shape[dimension]; i++)
                {
                    if (i > 0) text.Add((byte)',');
                    Brackets(dimension + 1);
                }
            text.Add((byte)']');
        }
    }
}

/// <summary>
/// A tensor's text as <see cref="TensorText"/> handed it to the writer, chunk by chunk, with a copy of the values it was
/// written from: a trace's final parameters are most often its last update's, and formatting them again cost an eighth
/// of a full 784-128-10 trace's writing. <see cref="Matches"/> says whether another tensor would be written the same.
/// </summary>
public sealed class KeptText(Tensor tensor) : IDisposable
{
    readonly int[] _shape = [.. tensor.Shape];
    readonly int _count = tensor.Length;
    double[] _values = Copy(tensor.Data);
    byte[] _bytes = ArrayPool<byte>.Shared.Rent(TensorText.ChunkBytes + 64);
    readonly List<int> _ends = [];

    /// <summary>The chunks kept, each a raw value for <see cref="Utf8JsonWriter.WriteRawValue(ReadOnlySpan{byte}, bool)"/>.</summary>
    public int Chunks => _ends.Count;

    /// <summary>True when <paramref name="other"/> has the same shape and bit for bit the same values, so the same text.</summary>
    public bool Matches(Tensor other) =>
        other.Shape.AsSpan().SequenceEqual(_shape)
        && MemoryMarshal.Cast<double, long>(other.Data.AsSpan()).SequenceEqual(MemoryMarshal.Cast<double, long>(_values.AsSpan(0, _count)));

    /// <summary>Writes chunk <paramref name="index"/> as it was first written.</summary>
    public void WriteChunk(Utf8JsonWriter writer, int index)
    {
        int start = index == 0 ? 0 : _ends[index - 1];
        writer.WriteRawValue(_bytes.AsSpan(start, _ends[index] - start), skipInputValidation: true);
    }

    // Pooled like the text: a 784-128-10 layer's weights are 800 KB, a large object each request would otherwise allocate.
    static double[] Copy(double[] data)
    {
        var copy = ArrayPool<double>.Shared.Rent(data.Length);
        data.CopyTo(copy, 0);
        return copy;
    }

    internal void Add(ReadOnlySpan<byte> chunk)
    {
        int length = _ends.Count == 0 ? 0 : _ends[^1];
        if (length + chunk.Length > _bytes.Length) _bytes = PooledBytes.Grown(_bytes, length, Math.Max(length + chunk.Length, 2 * _bytes.Length));
        chunk.CopyTo(_bytes.AsSpan(length));
        _ends.Add(length + chunk.Length);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_bytes);
        ArrayPool<double>.Shared.Return(_values);
        _bytes = [];
        _values = [];
        _ends.Clear();
    }
}
