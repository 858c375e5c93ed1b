namespace GuestAssist.GuestRig.Tests;

/// <summary>All rig tests share one <see cref="GuestRigFixture"/>, so the guests boot once per test run.</summary>
[CollectionDefinition(Name)]
public sealed class GuestRigCollection : ICollectionFixture<GuestRigFixture>
{
    public const string Name = "Guest rig";
}
