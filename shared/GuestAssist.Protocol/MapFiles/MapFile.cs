using System.Buffers.Binary;
using Google.Protobuf;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.MapFiles;

/// <summary>
/// The map file: a class map on disk, as `guestassist-agent scan --map`, `guestassist agent map --out` write it and
/// `page-server --map`, `evict --map` and the tests read it. Layout (all integers little-endian):
/// <code>
///   offset 0   8 bytes  magic "GAMAPF01"
///   offset 8   u64      host CLOCK_MONOTONIC ns taken just before the map was requested (0: not known, e.g. written in the guest)
///   offset 16  ...      the MemoryMapChunk messages, each prefixed by its length as a protobuf varint, until end of file
/// </code>
/// Files without the magic (written before this format had a header) are bare length-delimited chunks and read with an
/// unknown request time. The request time is what lets a dirty log prove it covers the map (DESIGN.md invariant 1).
/// </summary>
public static class MapFile
{
    public const int HeaderBytes = 16;

    /// <summary>"GAMAPF01": GuestAssist map file, format 1.</summary>
    public static ReadOnlySpan<byte> Magic => "GAMAPF01"u8;

    /// <summary>Writes <paramref name="map"/> atomically (a temporary file renamed over the target); returns the chunks written.</summary>
    public static int Write(string path, PageClassMap map, MapFileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(map);
        options ??= new MapFileOptions();
        var chunks = PageClassMapCodec.ToChunks(map, options.MaxChunkBytes);
        if (options.HeatMethod != HeatMethod.Unspecified)
        {
            foreach (var chunk in chunks)
            {
                chunk.HeatMethod = options.HeatMethod;
            }
        }
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt64LittleEndian(header[8..], options.RequestedAtMonotonicNs ?? 0);
            file.Write(header);
            foreach (var chunk in chunks)
            {
                chunk.WriteDelimitedTo(file);
            }
        }
        File.Move(temporary, path, overwrite: true);
        return chunks.Count;
    }

    /// <summary>Reads and validates a map file; anything that does not add up is a <see cref="MapFileException"/> naming the file.</summary>
    public static MapFileContents Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var stream = File.OpenRead(path);
            return Read(stream, Path.GetFileName(path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new MapFileException($"map file {path}: {e.Message}", e);
        }
    }

    /// <summary>Reads a map file from a seekable stream; <paramref name="name"/> is used in error messages.</summary>
    public static MapFileContents Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ulong? requestedAt = null;
        var hasHeader = false;
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (stream.Length - stream.Position >= HeaderBytes)
        {
            var start = stream.Position;
            stream.ReadExactly(header);
            if (header[..8].SequenceEqual(Magic))
            {
                hasHeader = true;
                var at = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
                requestedAt = at == 0 ? null : at;
            }
            else
            {
                stream.Position = start;
            }
        }
        var assembler = new PageClassMapAssembler();
        var heatMethod = HeatMethod.Unspecified;
        try
        {
            while (stream.Position < stream.Length)
            {
                var chunk = MemoryMapChunk.Parser.ParseDelimitedFrom(stream);
                assembler.Add(chunk);
                heatMethod = chunk.HeatMethod;
            }
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ProtocolException or EndOfStreamException)
        {
            throw new MapFileException($"map file {name}: chunk {assembler.ChunkCount}: {e.Message}", e);
        }
        if (assembler.ChunkCount == 0)
        {
            throw new MapFileException($"map file {name}: no chunks{(hasHeader ? "" : " (and no GAMAPF01 header: is this a map file?)")}");
        }
        if (!assembler.IsComplete)
        {
            throw new MapFileException($"map file {name}: truncated: {assembler.ChunkCount} chunks and no last chunk");
        }
        return new MapFileContents(assembler.Build(), requestedAt, heatMethod, assembler.ChunkCount, hasHeader);
    }
}
