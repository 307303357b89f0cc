using System.Diagnostics;

namespace SecAgg.RoundBench.Orchestration;

/// <summary>Runs a helper program to its end (secagg consortium init, ip, the WAN script) and returns its stdout.</summary>
internal static class ToolProcess
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="arguments"/>; a non-zero exit raises
    /// <see cref="BenchmarkFailedException"/> with <paramref name="what"/>, the exit code and the tool's output.
    /// </summary>
    public static async Task<string> RunAsync(string what, string file, IEnumerable<string> arguments, CancellationToken token)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new BenchmarkFailedException($"Could not start {file}.");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(token), stderr = p.StandardError.ReadToEndAsync(token);
        await p.WaitForExitAsync(token);
        if (p.ExitCode != 0)
        {
            throw new BenchmarkFailedException($"{what} exited {p.ExitCode}: {await stderr}{await stdout}");
        }

        return await stdout;
    }
}
