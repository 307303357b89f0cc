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

    private NodeProcess(Process process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    /// <summary>The silo-to-silo port.</summary>
    public int SiloPort { get; }

    /// <summary>The client gateway port.</summary>
    public int GatewayPort { get; }

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

    /// <summary>Starts a silo of a PostgreSQL cluster (ports chosen free) with faster failure detection; returns once it says it is ready.</summary>
    public static Task<NodeProcess> StartAsync(string consortiumFile, string certificates, string postgres, string clusterId, params string[] more) =>
        StartAsync(consortiumFile, certificates, ["--postgres", postgres, "--partitions", "2", "--cluster-id", clusterId, .. more], FreePort(), FreePort());

    /// <summary>
    /// Starts the one-machine node (one silo, localhost clustering, SQLite) with <paramref name="storage"/> as its storage
    /// arguments (none: the consortium file's default), on the given ports or free ones; returns once it says it is ready.
    /// </summary>
    public static Task<NodeProcess> StartEmbeddedAsync(string consortiumFile, string certificates, string[] storage, int? siloPort = null, int? gatewayPort = null) =>
        StartAsync(consortiumFile, certificates, [.. storage, "--partitions", "2"], siloPort ?? FreePort(), gatewayPort ?? FreePort());

    /// <summary>Runs the node with <paramref name="arguments"/> until it exits (for arguments it refuses); its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(params string[] arguments)
    {
        ProcessStartInfo start = StartInfo([typeof(ClusterNode).Assembly.Location, .. arguments]);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static async Task<NodeProcess> StartAsync(string consortiumFile, string certificates, string[] arguments, int siloPort, int gatewayPort)
    {
        ProcessStartInfo start = StartInfo([typeof(ClusterNode).Assembly.Location, "--consortium", consortiumFile, "--certificates", certificates, .. arguments,
            "--silo-port", siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var node = new NodeProcess(Process.Start(start)!, siloPort, gatewayPort);
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

    private static ProcessStartInfo StartInfo(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        // Faster than the defaults (a death is declared within ~5 s), slow enough that a loaded machine's stalls are not taken for deaths.
        start.Environment["Orleans__Membership__ProbeTimeout"] = "00:00:02";
        start.Environment["Orleans__Membership__NumMissedProbesLimit"] = "2";
        start.Environment["Orleans__Membership__NumVotesForDeathDeclaration"] = "1";
        start.Environment["Orleans__Membership__TableRefreshTimeout"] = "00:00:01";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return start;
    }

    /// <summary>kill -9, and waits until the process is gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
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

    public static int FreePort()
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
