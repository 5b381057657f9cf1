using System.Buffers;

namespace GradApi.Json;

/// <summary>Byte buffers from the shared pool that grow as they fill: a held response, a kept tensor text, a held request body.</summary>
public static class PooledBytes
{
    /// <summary>A pooled buffer of at least <paramref name="size"/> bytes holding <paramref name="buffer"/>'s first <paramref name="used"/>; <paramref name="buffer"/> goes back to the pool.</summary>
    public static byte[] Grown(byte[] buffer, int used, int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, used).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}
