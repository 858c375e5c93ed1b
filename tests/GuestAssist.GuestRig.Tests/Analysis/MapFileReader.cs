using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>Reads the agent's `--map` file: length-delimited MemoryMapChunk messages until EOF.</summary>
public static class MapFileReader
{
    public static PageClassMap Read(string path)
    {
        using var stream = File.OpenRead(path);
        var assembler = new PageClassMapAssembler();
        while (stream.Position < stream.Length)
        {
            assembler.Add(MemoryMapChunk.Parser.ParseDelimitedFrom(stream));
        }
        return assembler.Build();
    }
}
