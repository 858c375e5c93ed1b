namespace GuestAssist.Agent.Scan.Json;

/// <summary>Where the scan's time went: reading the /proc files, classifying, in all.</summary>
internal sealed record TimingsJson(double ReadSeconds, double ClassifySeconds, double TotalSeconds);
