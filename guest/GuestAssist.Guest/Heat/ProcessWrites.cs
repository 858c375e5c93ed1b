namespace GuestAssist.Guest.Heat;

/// <summary>Pages one process wrote in one window (soft-dirty), labelled with how it was measured.</summary>
public sealed record ProcessWrites(int Pid, ulong Pages, TimeSpan Window)
{
    public double PagesPerSecond => Window > TimeSpan.Zero ? Pages / Window.TotalSeconds : 0;
}
