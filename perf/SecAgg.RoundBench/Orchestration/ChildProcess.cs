using System.Diagnostics;
using System.Threading.Channels;

namespace SecAgg.RoundBench.Orchestration;

/// <summary>
/// A role process of the benchmark (this executable started with a hidden role verb). Lines the child writes on stdout
/// that start with '@' are protocol messages (<see cref="ReadAsync"/>); everything else, and stderr, is kept as a tail
/// for error messages. Disposing kills the whole process tree, so a failed or timed-out configuration leaves nothing
/// running.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();
    private readonly Queue<string> _tail = new();
    private readonly Lock _tailGate = new();

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>The child's name in messages (e.g. "participant hospital-3").</summary>
    public string Name { get; }

    /// <summary>The OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>
    /// Starts this executable with a role and its arguments; with <paramref name="networkNamespace"/>, inside that network
    /// namespace (<c>ip netns exec</c>, which execs the command: the process id, and so killing the tree, are unchanged).
    /// </summary>
    public static ChildProcess Start(string name, IReadOnlyList<string> arguments, string? networkNamespace = null)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this executable's path to start role processes.");
        var psi = new ProcessStartInfo(networkNamespace is null ? self : "ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Every role shares this machine's cores with the N other processes of the sweep, so one ring operation must not
        // spread its RNS limbs over them (on the 2-core box: +2–15 % CPU and no wall-clock gain, RingParallelBenchmarks,
        // 2026-12-06). Setting the variable before the sweep overrides this.
        if (Environment.GetEnvironmentVariable(SecAgg.Crypto.Ring.RingParallelism.EnvironmentVariable) is null)
        {
            psi.Environment[SecAgg.Crypto.Ring.RingParallelism.EnvironmentVariable] = "1";
        }

        if (networkNamespace is not null)
        {
            foreach (string a in (string[])["netns", "exec", networkNamespace, self])
            {
                psi.ArgumentList.Add(a);
            }
        }

        if (self.EndsWith("dotnet", StringComparison.Ordinal) || self.EndsWith("dotnet.exe", StringComparison.Ordinal))
        {
            psi.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (string a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._messages.Writer.TryComplete();
            }
            else if (e.Data.StartsWith('@'))
            {
                child._messages.Writer.TryWrite(e.Data[1..]);
            }
            else
            {
                child.Keep(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                child.Keep(e.Data);
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name} ({self}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Sends one command line to the child's stdin.</summary>
    public async Task SendAsync(string line)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new BenchmarkFailedException($"{Name} is gone (exit code {ExitCode()}): {e.Message}{Tail()}", e);
        }
    }

    /// <summary>
    /// Reads the next protocol message whose first word is <paramref name="kind"/> and returns the rest of its line.
    /// An "error" message, the child's exit or the token ending raises <see cref="BenchmarkFailedException"/> with the child's last output.
    /// </summary>
    public async Task<string> ReadAsync(string kind, CancellationToken token)
    {
        while (true)
        {
            string line;
            try
            {
                line = await _messages.Reader.ReadAsync(token).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                await WaitForExitQuietlyAsync().ConfigureAwait(false);
                throw new BenchmarkFailedException($"{Name} exited (code {ExitCode()}) while the benchmark waited for '{kind}'.{Tail()}");
            }
            catch (OperationCanceledException)
            {
                throw new BenchmarkFailedException($"{Name} did not report '{kind}' in time (timed out).{Tail()}");
            }

            int space = line.IndexOf(' ', StringComparison.Ordinal);
            string head = space < 0 ? line : line[..space];
            string rest = space < 0 ? "" : line[(space + 1)..];
            if (head == "error")
            {
                throw new BenchmarkFailedException($"{Name} failed: {rest}{Tail()}");
            }

            if (head == kind)
            {
                return rest;
            }

            Keep("@" + line);
        }
    }

    /// <summary>Asks the child to quit, then kills its tree if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            await _process.StandardInput.WriteLineAsync("quit").ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }

        using var cts = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Kill();
        await WaitForExitQuietlyAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    private async Task WaitForExitQuietlyAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

    private string ExitCode()
    {
        try
        {
            return _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "still running";
        }
        catch (InvalidOperationException)
        {
            return "unknown";
        }
    }

    private void Keep(string line)
    {
        lock (_tailGate)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 15)
            {
                _tail.Dequeue();
            }
        }
    }

    private string Tail()
    {
        lock (_tailGate)
        {
            return _tail.Count == 0 ? "" : $"{Environment.NewLine}  last output of {Name}:{Environment.NewLine}    {string.Join(Environment.NewLine + "    ", _tail)}";
        }
    }
}

/// <summary>A configuration of the sweep could not be measured; the message says which process failed and how.</summary>
internal sealed class BenchmarkFailedException : Exception
{
    public BenchmarkFailedException(string message)
        : base(message)
    {
    }

    public BenchmarkFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
