using System.Buffers;
using System.Text.Json;

namespace GradApi.Endpoints;

/// <summary>
/// The JSON of values one response writes many times, rendered on first use and copied after: the same bytes,
/// since a value and the writer settings decide them, without formatting the numbers again. Two cases write
/// afresh instead: an indenting writer (a value's whitespace depends on the depth it is written at, which a copy
/// would not follow), and values past <paramref name="capacity"/> distinct ones (they are not repeating, and
/// rendering them for copies never made would only cost).
/// </summary>
public sealed class RenderedOnce<T>(JsonWriterOptions options, IEqualityComparer<T> sameJson, Action<Utf8JsonWriter, T> write, int capacity)
    where T : notnull
{
    readonly Dictionary<T, byte[]> rendered = new(sameJson);
    ArrayBufferWriter<byte>? scratch;
    Utf8JsonWriter? scratchWriter;

    public void Write(Utf8JsonWriter writer, T value)
    {
        if (!rendered.TryGetValue(value, out var json))
        {
            if (options.Indented || rendered.Count >= capacity)
            {
                write(writer, value);
                return;
            }
            rendered[value] = json = Render(value);
        }
        writer.WriteRawValue(json, skipInputValidation: true);
    }

    byte[] Render(T value)
    {
        scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        scratchWriter ??= new Utf8JsonWriter(scratch, options);
        scratchWriter.Reset(scratch);
        write(scratchWriter, value);
        scratchWriter.Flush();
        return scratch.WrittenSpan.ToArray();
    }
}
