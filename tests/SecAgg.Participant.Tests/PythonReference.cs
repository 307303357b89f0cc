using System.Diagnostics;

namespace SecAgg.Participant.Tests;

/// <summary>
/// Runs Debian's /usr/bin/python3 (numpy, torch) as an independent reference implementation.
/// The test command installs python3-numpy and python3-torch; a missing module fails the test with that advice.
/// </summary>
internal static class PythonReference
{
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/>; returns stdout, throws with stderr on failure.</summary>
    public static string Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Interpreter}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Interpreter} failed ({process.ExitCode}). If a module is missing, run ./test.sh (it installs python3-numpy and python3-torch).\n{stderr}");
        }

        return stdout.Result;
    }
}
