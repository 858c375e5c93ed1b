using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.PageMaps;

/// <summary>Takes class runs appended in GFN order from 0: a map being built, or chunks being encoded as the runs arrive.</summary>
public interface IClassRunSink
{
    /// <summary>Appends the next <paramref name="length"/> frames; a neighbour with the same attributes is merged.</summary>
    void Append(ulong length, PageClass pageClass, byte heat = 0, uint owner = 0);
}
