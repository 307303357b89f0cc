using System.Diagnostics;
using System.Text.Json;

namespace SecAgg.Interop.Tests.Interop;

/// <summary>Runs Debian's python3-grpcio (/usr/bin/python3) as an interop peer.</summary>
internal static class PythonGrpc
{
    public const string Python = "/usr/bin/python3";
    public const string Protoc = "/usr/bin/protoc";
    public const string GrpcPythonPlugin = "/usr/bin/grpc_python_plugin";

    private static readonly Lazy<string?> MissingReason = new(FindMissing);
    private static readonly Lazy<string> Stubs = new(() => GenerateStubs(Path.Combine(AppContext.BaseDirectory, "Interop"), "interop.proto"));
    private static readonly Lazy<string> ContractStubs = new(() => GenerateStubs(
        Path.Combine(AppContext.BaseDirectory, "contract"), "secagg/v1/common.proto", "secagg/v1/key_epoch.proto", "secagg/v1/rounds.proto", "health/v1/health.proto"));

    /// <summary>Why the interop tests cannot run here, or null when they can.</summary>
    public static string? Unavailable => MissingReason.Value;

    public static string PeerScript => Path.Combine(AppContext.BaseDirectory, "Interop", "interop_peer.py");

    /// <summary>The Python stubs of interop.proto, generated once per test run into a temp directory.</summary>
    public static string StubsDirectory => Stubs.Value;

    /// <summary>The Python stubs of the secagg.v1 contract and of the standard health service, generated once per test run.</summary>
    public static string ContractStubsDirectory => ContractStubs.Value;

    private static string? FindMissing()
    {
        // Only a missing grpc in Debian's Python skips the interop tests; a missing protoc fails them (GenerateStubs).
        if (!File.Exists(Python))
        {
            return $"{Python} is missing: install python3, python3-grpcio and python3-protobuf (test.sh does).";
        }

        (int rc, string output) = Run(Python, ["-c", "import grpc, google.protobuf"], TimeSpan.FromSeconds(30));
        return rc == 0 ? null : $"{Python} cannot import grpc (install python3-grpcio and python3-protobuf; test.sh does): {output.Trim()}";
    }

    private static string GenerateStubs(string protoDir, params string[] files)
    {
        foreach (string tool in new[] { Protoc, GrpcPythonPlugin })
        {
            if (!File.Exists(tool))
            {
                throw new InvalidOperationException($"{tool} is missing: install protobuf-compiler and protobuf-compiler-grpc (test.sh does).");
            }
        }

        string dir = Directory.CreateTempSubdirectory("secagg-interop-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        };
        (int rc, string output) = Run(Protoc, ["-I", protoDir, "-I", "/usr/include", "--python_out=" + dir, "--grpc_out=" + dir, "--plugin=protoc-gen-grpc=" + GrpcPythonPlugin, .. files], TimeSpan.FromSeconds(30));
        if (rc != 0)
        {
            throw new InvalidOperationException("protoc failed to generate the Python stubs: " + output);
        }

        return dir;
    }

    /// <summary>Runs one client scenario against <paramref name="target"/> and returns its JSON result.</summary>
    public static Task<JsonElement> RunClientAsync(string target, string scenario, params string[] tls) =>
        RunScriptAsync(scenario, [PeerScript, "client", StubsDirectory, target, scenario, .. tls]);

    /// <summary>Runs a Python script (its arguments after the script) and returns the JSON object it prints last.</summary>
    public static async Task<JsonElement> RunScriptAsync(string scenario, string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The Python client scenario '{scenario}' did not finish in 90 s. stderr: {await stderr}");
        }

        string output = await stdout;
        string lastLine = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        if (process.ExitCode != 0 || !lastLine.StartsWith('{'))
        {
            throw new InvalidOperationException($"The Python client scenario '{scenario}' failed (exit {process.ExitCode}). stdout: {output} stderr: {await stderr}");
        }

        return JsonDocument.Parse(lastLine).RootElement.Clone();
    }

    private static (int ExitCode, string Output) Run(string file, string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>A running Python gRPC server (cleartext, or mutual TLS with the given PEM files).</summary>
internal sealed class PythonServer : IDisposable
{
    private readonly Process _process;

    public PythonServer(params string[] tlsFiles)
    {
        var psi = new ProcessStartInfo(PythonGrpc.Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])[PythonGrpc.PeerScript, "server", PythonGrpc.StubsDirectory, .. tlsFiles])
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        Task<string?> line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is not { } text || !text.StartsWith("PORT ", StringComparison.Ordinal))
        {
            Dispose();
            throw new InvalidOperationException("The Python gRPC server did not report its port.");
        }

        Port = int.Parse(text[5..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public int Port { get; }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}

/// <summary>A fact that is skipped, with the reason, when Debian's python3-grpcio toolchain is missing.</summary>
public sealed class PythonInteropFactAttribute : FactAttribute
{
    public PythonInteropFactAttribute()
    {
        if (PythonGrpc.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
