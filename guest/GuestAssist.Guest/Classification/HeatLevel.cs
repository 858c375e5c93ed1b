namespace GuestAssist.Guest.Classification;

/// <summary>How recently a frame was seen accessed.</summary>
public enum HeatLevel : byte
{
    Cold = 0,
    Recent = 1,
    Now = 2,
}
