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
        var table = new Table().Border(TableBorder.Simple).Title("processes by frames (cgroups in --json)").AddColumns("pid", "command", "frames");
        foreach (var pageClass in ClassCounts.Ordered)
        {
            table.AddColumn(new TableColumn(ShortClassName(pageClass)).RightAligned());
        }
        table.AddColumn(new TableColumn("new").RightAligned());
        foreach (var process in attribution.Processes.Take(top))
        {
            var cells = new List<string>
            {
                process.Pid.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(process.Owner.Command.Length > 15 ? process.Owner.Command[..15] : process.Owner.Command),
                process.Frames.ToString("N0", CultureInfo.InvariantCulture),
            };
            cells.AddRange(ClassCounts.Ordered.Select(c => process.Counts[c].ToString("N0", CultureInfo.InvariantCulture)));
            cells.Add(process.AllocatedSinceScan.ToString("N0", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        console.Write(table);
        console.MarkupLine("new: frames free when scanned and mapped when the process was walked (allocated in between)");
        console.MarkupLine(CultureInfo.InvariantCulture,
            "attribution: {0} processes walked, {1} exited mid-walk, {2} denied; {3:N0} frames in the owner index{4}",
            attribution.Walked, attribution.Vanished, attribution.Denied, attribution.Owners.Count,
            attribution.PfnsHidden ? " (frame numbers hidden: not root)" : "");
    }

    private static string ShortClassName(GuestAssist.Protocol.V1.PageClass pageClass) =>
        ScanTableRenderer.ClassName(pageClass) switch
        {
            "inactive" => "inact",
            "unbacked" => "unbk",
            "unproven" => "unprv",
            "kernel" => "kern",
            var name => name,
        };
}
