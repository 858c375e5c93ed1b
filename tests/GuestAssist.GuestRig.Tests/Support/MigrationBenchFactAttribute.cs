namespace GuestAssist.GuestRig.Tests.Support;

/// <summary>The migration benchmark: minutes of TCG guests, so it runs only when asked (`./build.sh --target=Bench` sets the variable).</summary>
public sealed class MigrationBenchFactAttribute : FactAttribute
{
    public const string Variable = "GUESTASSIST_MIGRATION_BENCH";

    public MigrationBenchFactAttribute()
    {
        Skip = Environment.GetEnvironmentVariable(Variable) != "1"
            ? $"the migration benchmark runs from ./build.sh --target=Bench ({Variable}=1)"
            : RigAvailability.SkipReason;
    }
}
