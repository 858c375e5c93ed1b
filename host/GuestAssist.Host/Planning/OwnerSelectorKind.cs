namespace GuestAssist.Host.Planning;

public enum OwnerSelectorKind
{
    OwnerIndex,
    Pid,
    Cgroup,
    Command,
}
