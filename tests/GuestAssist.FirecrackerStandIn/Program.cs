using GuestAssist.FirecrackerStandIn;

// Usage:
//   firecracker <socket> <memory-file> <ok|no-page-size|page-size-kib-only|hang-up-while-faulting|huge-pages|bad-json|bad-offsets|misaligned|no-fd|close-early> [region0-MiB] [region1-MiB]
//   dirty-child|balloon-child <socket> <pages>
if (args.Length >= 4 && args[0] == "firecracker")
{
    var mode = Enum.Parse<StandInMode>(args[3].Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
    var region0 = (args.Length > 4 ? ulong.Parse(args[4]) : 64UL) << 20;
    var region1 = (args.Length > 5 ? ulong.Parse(args[5]) : 32UL) << 20;
    return FirecrackerVmm.Run(args[1], args[2], mode, region0, region1);
}
if (args.Length >= 3 && args[0] is "dirty-child" or "balloon-child")
{
    return UffdChild.Run(args[0], args[1], ulong.Parse(args[2]));
}
Console.Error.WriteLine("usage: firecracker <socket> <memory-file> <mode> [region0-MiB] [region1-MiB] | dirty-child|balloon-child <socket> <pages>");
return 64;
