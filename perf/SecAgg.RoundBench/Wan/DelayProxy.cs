using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using SecAgg.RoundBench.Orchestration;

namespace SecAgg.RoundBench.Wan;

/// <summary>
/// The WAN profile's latency (the kernel here has no netem): a user-space TCP proxy that holds every byte for a fixed
/// one-way delay (RTT/2) in each direction. Per connection and direction, a reader stamps each segment it receives
/// (up to 64 KiB, one <c>recv</c>) with its due time, now + delay, and queues it; a writer sends each segment when it is
/// due, in order. One timer wait per segment that is not yet due (segments behind it are usually due by then), no
/// per-byte waits (the waits end on one timer thread, <see cref="DueTimer"/>, to within tens of microseconds
/// on an idle machine: .NET's own timers end a millisecond or two late); the queue holds up to 1024 segments, far more than a link's bandwidth-delay product, so the
/// proxy adds latency without limiting the rate (the veth links' htb does that). Runs in the aggregator's namespace:
/// it listens on the WAN address and forwards to the servers on that namespace's loopback.
/// Role arguments: <c>--listen IP --to HOST:PORT[,HOST:PORT...] --delay-ms ONE_WAY</c>; reports
/// "@listening PORT[,PORT...]" (one port per target, same order). Commands: "stats" ("@stats CPU-seconds connections"), "quit".
/// In-process: <see cref="Start"/>.
/// </summary>
internal sealed class DelayProxy : IDisposable
{
    private const int SegmentBytes = 64 * 1024;
    private const int QueueSegments = 1024;
    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    private DelayProxy(IPAddress listen, IReadOnlyList<IPEndPoint> targets, TimeSpan oneWay)
    {
        long delayTicks = (long)(oneWay.TotalSeconds * Stopwatch.Frequency);
        foreach (IPEndPoint target in targets)
        {
            var socket = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(listen, 0));
            socket.Listen(512);
            _listeners.Add(socket);
            _ = AcceptAsync(socket, target, delayTicks, _stop.Token);
        }
    }

    /// <summary>The port listening in front of each target, in the targets' order.</summary>
    public IReadOnlyList<int> Ports => [.. _listeners.Select(l => ((IPEndPoint)l.LocalEndPoint!).Port)];

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Listens on <paramref name="listen"/> (a new port per target) and forwards to the targets, <paramref name="oneWay"/> later each way.</summary>
    public static DelayProxy Start(IPAddress listen, IReadOnlyList<IPEndPoint> targets, TimeSpan oneWay) => new(listen, targets, oneWay);

    /// <summary>The role process: <c>role-delay-proxy --listen IP --to HOST:PORT[,...] --delay-ms ONE_WAY</c>.</summary>
    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> args)
    {
        double delayMs = double.Parse(args["delay-ms"], CultureInfo.InvariantCulture);
        using DelayProxy proxy = Start(IPAddress.Parse(args["listen"]), [.. args["to"].Split(',').Select(IPEndPoint.Parse)], TimeSpan.FromMilliseconds(delayMs));
        RoleIo.Send("listening", string.Join(',', proxy.Ports.Select(p => p.ToString(CultureInfo.InvariantCulture))));
        ProcessCpu.Reset();
        await RoleIo.RunCommandsAsync((command, _) =>
        {
            if (command == "stats")
            {
                RoleIo.Send("stats", string.Create(CultureInfo.InvariantCulture, $"{ProcessCpu.Seconds():R} {proxy.Connections}"));
            }
            else
            {
                RoleIo.Send("error", $"unknown command '{command}'");
            }

            return Task.CompletedTask;
        });
        return 0;
    }

    /// <summary>Stops listening (connections already open are left to end).</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listeners.ForEach(l => l.Dispose());
        _stop.Dispose();
    }

    private async Task AcceptAsync(Socket listener, IPEndPoint target, long delayTicks, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ConnectAsync(client, target, delayTicks), CancellationToken.None);
        }
    }

    private static async Task ConnectAsync(Socket client, IPEndPoint target, long delayTicks)
    {
        var server = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(target);
            await Task.WhenAll(PipeAsync(client, server, delayTicks), PipeAsync(server, client, delayTicks));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/>, each segment sent <paramref name="delayTicks"/> after it arrived.</summary>
    private static async Task PipeAsync(Socket from, Socket to, long delayTicks)
    {
        var queue = Channel.CreateBounded<Segment>(new BoundedChannelOptions(QueueSegments) { SingleReader = true, SingleWriter = true });
        Task reading = ReadAsync(from, to, queue.Writer, delayTicks);
        try
        {
            await foreach (Segment s in queue.Reader.ReadAllAsync())
            {
                try
                {
                    await WaitUntilAsync(s.Due);
                    if (s.Length == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        break;
                    }

                    for (int sent = 0; sent < s.Length;)
                    {
                        sent += await to.SendAsync(s.Buffer.AsMemory(sent, s.Length - sent), SocketFlags.None);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(s.Buffer);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The other side went away: abort both directions (and unblock the reader if the queue is full).
            queue.Writer.TryComplete();
            from.Dispose();
            to.Dispose();
        }

        await reading;
    }

    private static async Task ReadAsync(Socket from, Socket to, ChannelWriter<Segment> queue, long delayTicks)
    {
        try
        {
            while (true)
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(SegmentBytes);
                int n = await from.ReceiveAsync(buffer, SocketFlags.None);
                await queue.WriteAsync(new Segment(buffer, n, Stopwatch.GetTimestamp() + delayTicks));
                if (n == 0)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or ChannelClosedException)
        {
            from.Dispose();
            to.Dispose();
        }
        finally
        {
            queue.TryComplete();
        }
    }

    /// <summary>Waits until the monotonic clock reaches <paramref name="due"/> (<see cref="DueTimer"/>; at once when it has).</summary>
    private static Task WaitUntilAsync(long due) => due <= Stopwatch.GetTimestamp() ? Task.CompletedTask : DueTimer.Shared.WaitUntil(due);

    private readonly record struct Segment(byte[] Buffer, int Length, long Due);
}
