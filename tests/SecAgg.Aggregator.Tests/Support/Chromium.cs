using System.Diagnostics;

namespace SecAgg.Aggregator.Tests.Support;

/// <summary>
/// Debian's headless Chromium (package chromium; test.sh installs it), each run with a fresh profile and nothing that
/// reaches outside this machine; it accepts the test CA's server certificate (--ignore-certificate-errors): <see cref="DumpDomAsync"/> returns the page as rendered, <see cref="ScreenshotAsync"/>
/// writes a PNG.
/// </summary>
internal static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    /// <summary>Why Chromium tests cannot run here, or null.</summary>
    public static string? Unavailable => File.Exists(Path) ? null : $"{Path} is not installed (test.sh installs Debian's chromium)";

    public static async Task<string> DumpDomAsync(Uri page) => await RunAsync(["--dump-dom", page.ToString()]);

    public static async Task ScreenshotAsync(Uri page, string png, int width = 1100, int height = 1500) =>
        await RunAsync([$"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", page.ToString()]);

    private static async Task<string> RunAsync(string[] arguments)
    {
        string profile = Directory.CreateTempSubdirectory("secagg-chromium-").FullName;
        try
        {
            var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--ignore-certificate-errors", $"--user-data-dir={profile}", .. arguments])
            {
                psi.ArgumentList.Add(a);
            }

            using Process chromium = Process.Start(psi)!;
            Task<string> stdout = chromium.StandardOutput.ReadToEndAsync();
            Task<string> stderr = chromium.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await chromium.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                chromium.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish in 120 s: {await stderr}");
            }

            Assert.True(chromium.ExitCode == 0, $"chromium exited {chromium.ExitCode}: {await stderr}");
            return await stdout;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}

/// <summary>A fact that needs headless Chromium; skipped, with the reason, only where it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
