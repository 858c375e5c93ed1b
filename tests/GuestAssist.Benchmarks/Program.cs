using BenchmarkDotNet.Running;

if (args is ["engine", ..])
{
    return GuestAssist.Benchmarks.Engine.EngineBenchmark.Run(Console.Out);
}
BenchmarkSwitcher.FromAssembly(typeof(GuestAssist.Benchmarks.Engine.EngineBenchmark).Assembly).Run(args);
return 0;
