namespace GuestAssist.Protocol.Handshake;

/// <summary>An inclusive range of protocol versions [Min, Max].</summary>
public readonly record struct VersionRange
{
    public VersionRange(uint min, uint max)
    {
        if (min == 0 || min > max)
        {
            throw new ArgumentException($"invalid protocol version range [{min}, {max}]: need 1 <= min <= max");
        }
        Min = min;
        Max = max;
    }

    public uint Min { get; }

    public uint Max { get; }

    public bool Contains(uint version) => version >= Min && version <= Max;

    /// <summary>The highest version both ranges contain, or null when they are disjoint.</summary>
    public uint? HighestCommon(VersionRange other)
    {
        var low = Math.Max(Min, other.Min);
        var high = Math.Min(Max, other.Max);
        return low <= high ? high : null;
    }

    public override string ToString() => $"[{Min}, {Max}]";
}
