using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SecAgg.ClusterBench;

/// <summary>
/// One silo as a real process (<c>dotnet SecAgg.Aggregator.Cluster.dll</c>) on loopback, and what Linux says it used:
/// peak resident set (VmHWM of /proc/PID/status) and CPU time (utime + stime of /proc/PID/stat).
/// </summary>
internal sealed class SiloProcess : IDisposable
{
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _output = new();

    private SiloProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>The last lines the silo printed (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts a silo of cluster <paramref name="clusterId"/> with P = <paramref name="partitions"/> (free ports) and returns once it says it joined.</summary>
    public static async Task<SiloProcess> StartAsync(string siloAssembly, BenchConsortium consortium, string postgres, string clusterId, int partitions)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])[siloAssembly, "--consortium", consortium.ConsortiumFile, "--certificates", consortium.CertificatesDirectory,
            "--postgres", postgres, "--partitions", partitions.ToString(CultureInfo.InvariantCulture), "--cluster-id", clusterId,
            "--silo-port", FreePort(), "--gateway-port", FreePort()])
        {
            start.ArgumentList.Add(arg);
        }

        // Orleans' default failure detection (10 s probes, 3 missed): a loaded machine's stalls must not look like deaths.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var silo = new SiloProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
        silo._process.OutputDataReceived += (_, e) => silo.Record(e.Data);
        silo._process.ErrorDataReceived += (_, e) => silo.Record(e.Data);
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        Task exited = silo._process.WaitForExitAsync();
        Task first = await Task.WhenAny(silo._ready.Task, exited, Task.Delay(ReadyWithin)).ConfigureAwait(false);
        if (first != silo._ready.Task)
        {
            string output = silo.Output;
            silo.Dispose();
            throw new InvalidOperationException($"The silo process did not become ready ({(first == exited ? "it exited" : "timeout")}):\n{output}");
        }

        return silo;
    }

    /// <summary>Peak resident set in bytes (VmHWM).</summary>
    public long PeakResidentBytes()
    {
        foreach (string line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{_process.Id}/status has no VmHWM line");
    }

    /// <summary>CPU seconds so far, user + system (utime + stime in clock ticks of 1/100 s).</summary>
    public double CpuSeconds()
    {
        string stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are indexes 11 and 12.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 40)
            {
                _output.Dequeue();
            }
        }

        if (line.StartsWith("secagg cluster node ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
