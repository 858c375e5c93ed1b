using System.Globalization;

namespace GuestAssist.IntegrationTests.Firecracker;

/// <summary>Raises /proc/sys/vm/nr_hugepages by a number of 2 MiB pages and puts the old value back when disposed.</summary>
internal sealed class HugePageReservation : IDisposable
{
    public const int ProbePages = 32;

    private const string Control = "/proc/sys/vm/nr_hugepages";

    private readonly long _before;

    private HugePageReservation(long before) => _before = before;

    /// <summary>Reserves <paramref name="pages"/> more huge pages, or throws saying why it cannot.</summary>
    public static HugePageReservation Reserve(int pages)
    {
        var before = Read();
        Write(before + pages);
        var reservation = new HugePageReservation(before);
        if (FreeHugePages() < pages)
        {
            reservation.Dispose();
            throw new InvalidOperationException($"asked for {pages} more 2 MiB huge pages, {FreeHugePages()} are free");
        }
        return reservation;
    }

    /// <summary>Null when <paramref name="pages"/> huge pages can be reserved (tried and undone), else why not.</summary>
    public static string? WhyNot(int pages)
    {
        try
        {
            if (!File.Exists(Control) || !File.ReadAllText("/proc/meminfo").Contains("Hugepagesize:       2048 kB", StringComparison.Ordinal))
            {
                return "no 2 MiB hugetlbfs pages on this kernel";
            }
            using var probe = Reserve(pages);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return $"cannot reserve {pages} huge pages: {e.Message}";
        }
    }

    public void Dispose() => Write(_before);

    private static long Read() => long.Parse(File.ReadAllText(Control).Trim(), CultureInfo.InvariantCulture);

    private static void Write(long pages) => File.WriteAllText(Control, pages.ToString(CultureInfo.InvariantCulture));

    private static long FreeHugePages()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("HugePages_Free:", StringComparison.Ordinal))
            {
                return long.Parse(line["HugePages_Free:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
