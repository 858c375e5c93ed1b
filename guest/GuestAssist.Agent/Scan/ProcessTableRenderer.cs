using System.Globalization;
using GuestAssist.Guest.Attribution;
using GuestAssist.Guest.Classification;
using Spectre.Console;

namespace GuestAssist.Agent.Scan;

/// <summary>`--by-process`: processes by frames with their per-class split.</summary>
internal static class ProcessTableRenderer
{
    public static void Render(IAnsiConsole console, AttributionResult attribution, int top)
    {
        var table = new Table().Title("processes by frames").AddColumns("pid", "command", "cgroup", "frames");
        foreach (var pageClass in ClassCounts.Ordered)
        {
            table.AddColumn(ScanTableRenderer.ClassName(pageClass));
        }
        foreach (var process in attribution.Processes.Take(top))
        {
            var cells = new List<string>
            {
                process.Pid.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(process.Owner.Command),
                Markup.Escape(process.Owner.Cgroup),
                process.Frames.ToString("N0", CultureInfo.InvariantCulture),
            };
            cells.AddRange(ClassCounts.Ordered.Select(c => process.Counts[c].ToString("N0", CultureInfo.InvariantCulture)));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        console.MarkupLine(CultureInfo.InvariantCulture,
            "attribution: {0} processes walked, {1} exited mid-walk, {2} denied; {3:N0} frames in the owner index{4}",
            attribution.Walked, attribution.Vanished, attribution.Denied, attribution.Owners.Count,
            attribution.PfnsHidden ? " (frame numbers hidden: not root)" : "");
    }
}
