using BenchmarkDotNet.Running;

// `engine`: the post-copy engine's harness (fault service under a saturating stream, install rate vs raw UFFDIO_COPY),
// printed side by side; anything else goes to BenchmarkDotNet.
if (args is ["engine"])
{
    return GuestAssist.Simulation.EngineBench.EngineBenchmark.Run(Console.Out);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
