using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Planning;

/// <summary>
/// Picks frame owners of a class map (FrameOwner) by index, pid, cgroup or command. A cgroup selector matches
/// the whole path or its last components ("web.service" matches "/system.slice/web.service").
/// </summary>
public readonly record struct OwnerSelector(OwnerSelectorKind Kind, long Id, string? Name)
{
    public static OwnerSelector ByIndex(uint ownerIndex) => new(OwnerSelectorKind.OwnerIndex, ownerIndex, null);

    public static OwnerSelector ByPid(int pid) => new(OwnerSelectorKind.Pid, pid, null);

    public static OwnerSelector ByCgroup(string cgroup) => new(OwnerSelectorKind.Cgroup, 0, cgroup);

    public static OwnerSelector ByCommand(string command) => new(OwnerSelectorKind.Command, 0, command);

    public bool Matches(FrameOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return Kind switch
        {
            OwnerSelectorKind.OwnerIndex => owner.Index == Id,
            OwnerSelectorKind.Pid => owner.Pid == Id,
            OwnerSelectorKind.Command => !string.IsNullOrEmpty(Name) && owner.Command == Name,
            OwnerSelectorKind.Cgroup => !string.IsNullOrEmpty(Name)
                && (owner.Cgroup == Name || owner.Cgroup.EndsWith(Name.StartsWith('/') ? Name : "/" + Name, StringComparison.Ordinal)),
            _ => false,
        };
    }
}
