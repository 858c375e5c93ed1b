using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace GuestAssist.Cli.Commands.Json;

/// <summary>Writes one document (indented) or one JSON Lines record (compact), newline-terminated.</summary>
internal static class JsonOutput
{
    public static void Write<T>(Stream output, T value, JsonTypeInfo<T> type, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = indented, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            JsonSerializer.Serialize(writer, value, type);
        }
        output.WriteByte((byte)'\n');
        output.Flush();
    }

    /// <summary>The same through a text writer (Console.Out, which tests and callers may redirect).</summary>
    public static void Write<T>(TextWriter output, T value, JsonTypeInfo<T> type, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var buffer = new MemoryStream();
        Write(buffer, value, type, indented);
        output.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.Flush();
    }
}
