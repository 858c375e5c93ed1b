namespace GuestAssist.FirecrackerStandIn.Api;

/// <summary>One request the stand-in API answered, for tests to check order and bodies.</summary>
public sealed record ApiRequest(string Method, string Path, string Body, int Status);
