using Google.Protobuf;
using GuestAssist.Protocol.PageMaps;

namespace GuestAssist.Agent.Scan;

/// <summary>`--map FILE`: the encoded class map as length-delimited MemoryMapChunk messages.</summary>
internal static class MapFileWriter
{
    /// <returns>The number of chunks written.</returns>
    public static int Write(string path, PageClassMap map)
    {
        var chunks = PageClassMapCodec.ToChunks(map);
        var temporary = path + ".tmp";
        using (var file = File.Create(temporary))
        {
            foreach (var chunk in chunks)
            {
                chunk.WriteDelimitedTo(file);
            }
        }
        File.Move(temporary, path, overwrite: true);
        return chunks.Count;
    }
}
