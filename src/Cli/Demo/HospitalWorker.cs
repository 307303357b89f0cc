using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace SecAgg.Cli.Demo;

/// <summary>A running <c>secagg demo-hospital</c> process and its report lines.</summary>
internal sealed class HospitalWorker : IDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _errors = new();

    private HospitalWorker(string id, Process process)
    {
        Id = id;
        _process = process;
    }

    public string Id { get; }

    /// <summary>Starts this same executable with the hidden verb and <paramref name="arguments"/>.</summary>
    public static HospitalWorker Start(string id, IEnumerable<string> arguments)
    {
        // The same secagg: its apphost directly, else `dotnet secagg.dll` (also when hosted by a test runner).
        string current = Environment.ProcessPath ?? "dotnet";
        string name = Path.GetFileNameWithoutExtension(current);
        bool apphost = name.Equals("secagg", StringComparison.OrdinalIgnoreCase);
        string host = apphost ? current : name.Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? current : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!apphost)
        {
            start.ArgumentList.Add(typeof(HospitalWorker).Assembly.Location);
        }

        start.ArgumentList.Add("demo-hospital");
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = start };
        var worker = new HospitalWorker(id, process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                worker._lines.Writer.TryComplete();
            }
            else
            {
                worker._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (worker._errors)
                {
                    worker._errors.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>The next report line; throws with the process's error output when it ended instead.</summary>
    public async Task<string> NextLineAsync(CancellationToken token)
    {
        try
        {
            return await _lines.Reader.ReadAsync(token);
        }
        catch (ChannelClosedException)
        {
            await _process.WaitForExitAsync(token);
            string errors;
            lock (_errors)
            {
                errors = _errors.ToString().Trim();
            }

            throw new InvalidOperationException($"{Id}'s process ended (exit code {_process.ExitCode}): {errors}");
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
