using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SecAgg.Aggregator.Cluster.Hosting;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>One silo as a real process (<c>dotnet SecAgg.Aggregator.Cluster.dll</c>) on loopback, killable with SIGKILL.</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private NodeProcess(Process process, int siloPort)
    {
        _process = process;
        SiloPort = siloPort;
    }

    /// <summary>The silo-to-silo port (what identifies the silo in Orleans' silo address).</summary>
    public int SiloPort { get; }

    /// <summary>The process's output so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output.Count <= 60 ? _output : [.. _output.Take(30), "...", .. _output.TakeLast(30)]);
            }
        }
    }

    /// <summary>Starts a silo with these arguments (ports are chosen free) and faster failure detection; returns once it says it is ready.</summary>
    public static async Task<NodeProcess> StartAsync(string consortiumFile, string certificates, string postgres, string clusterId)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        int siloPort = FreePort();
        foreach (string arg in (string[])[typeof(ClusterNode).Assembly.Location, "--consortium", consortiumFile, "--certificates", certificates, "--postgres", postgres,
            "--partitions", "2", "--cluster-id", clusterId, "--silo-port", siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        // Faster than the defaults (a death is declared within ~5 s), slow enough that a loaded machine's stalls are not taken for deaths.
        start.Environment["Orleans__Membership__ProbeTimeout"] = "00:00:02";
        start.Environment["Orleans__Membership__NumMissedProbesLimit"] = "2";
        start.Environment["Orleans__Membership__NumVotesForDeathDeclaration"] = "1";
        start.Environment["Orleans__Membership__TableRefreshTimeout"] = "00:00:01";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var node = new NodeProcess(Process.Start(start)!, siloPort);
        node._process.OutputDataReceived += (_, e) => node.Record(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.Record(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        Task exited = node._process.WaitForExitAsync();
        Task first = await Task.WhenAny(node._ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(90)));
        if (first != node._ready.Task)
        {
            string output = node.Output;
            node.Dispose();
            Assert.Fail($"the silo process did not become ready ({(first == exited ? "it exited" : "timeout")}):\n{output}");
        }

        return node;
    }

    /// <summary>kill -9.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (line.StartsWith("secagg cluster node ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
