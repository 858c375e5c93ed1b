using System.CommandLine;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Cli.Commands;

/// <summary>
/// Where the CLI takes the per-migration secret from: `--secret-file FILE`, else the environment variable
/// GUESTASSIST_TRANSFER_SECRET. Never an argument: other users can read /proc/PID/cmdline.
/// </summary>
internal static class TransferSecretOptions
{
    public static Option<FileInfo?> FileOption() => new("--secret-file")
    {
        Description = $"File holding the migration's secret (at least {TransferSecret.MinimumBytes} bytes; both ends need the same); default: ${TransferSecret.EnvironmentVariable}",
    };

    /// <summary>The secret, or null when neither source gives one; a bad file throws a one-line error.</summary>
    public static TransferSecret? Resolve(FileInfo? file)
    {
        if (file is not null)
        {
            if (!file.Exists)
            {
                throw new FileNotFoundException($"secret file {file.FullName} does not exist");
            }
            return TransferSecret.FromFile(file.FullName);
        }
        var text = Environment.GetEnvironmentVariable(TransferSecret.EnvironmentVariable);
        return string.IsNullOrEmpty(text) ? null : TransferSecret.FromText(text);
    }
}
