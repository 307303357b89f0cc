using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SecAgg.RoundBench.Orchestration;

namespace SecAgg.RoundBench.Wan;

/// <summary>
/// Measures a WAN path: a TCP "ping" (32-byte request, 32-byte echo, one connection, Nagle off) and one bulk transfer
/// each way. The server (<c>role-tcp-echo --listen IP</c>, "@listening PORT") answers three kinds of connection, told
/// apart by their first byte: 'p' echoes 32-byte messages; 'u' + length (int64) reads that many bytes, then answers one
/// byte; 'd' + length sends that many bytes. The client (<c>role-wan-probe --target IP:PORT --pings K --bulk-bytes B</c>)
/// reports "@probe {json}" with the ping RTTs and the bulk rates (bytes over the transfer's time less one RTT, the
/// request/answer turn-around, so it estimates the link rate).
/// </summary>
internal static class TcpProbe
{
    private const int PingBytes = 32;

    public static async Task<int> RunServerAsync(IReadOnlyDictionary<string, string> args)
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Parse(args["listen"]), 0));
        listener.Listen(64);
        RoleIo.Send("listening", ((IPEndPoint)listener.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture));
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket s = await listener.AcceptAsync();
                _ = Task.Run(() => ServeAsync(s));
            }
        });
        await RoleIo.RunCommandsAsync((c, _) => Task.CompletedTask);
        return 0;
    }

    private static async Task ServeAsync(Socket s)
    {
        using (s)
        {
            s.NoDelay = true;
            byte[] head = new byte[9];
            try
            {
                await ReadExactlyAsync(s, head.AsMemory(0, 1));
                if (head[0] == 'p')
                {
                    byte[] message = new byte[PingBytes];
                    while (await ReadExactlyAsync(s, message))
                    {
                        await s.SendAsync(message, SocketFlags.None);
                    }

                    return;
                }

                await ReadExactlyAsync(s, head.AsMemory(1, 8));
                long length = BinaryPrimitives.ReadInt64LittleEndian(head.AsSpan(1));
                byte[] buffer = new byte[64 * 1024];
                if (head[0] == 'u')
                {
                    for (long got = 0; got < length;)
                    {
                        int n = await s.ReceiveAsync(buffer, SocketFlags.None);
                        if (n == 0)
                        {
                            return;
                        }

                        got += n;
                    }

                    await s.SendAsync(buffer.AsMemory(0, 1), SocketFlags.None);
                }
                else
                {
                    for (long sent = 0; sent < length;)
                    {
                        sent += await s.SendAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - sent)), SocketFlags.None);
                    }

                    s.Shutdown(SocketShutdown.Send);
                    await s.ReceiveAsync(buffer, SocketFlags.None);
                }
            }
            catch (SocketException)
            {
            }
        }
    }

    public static async Task<int> RunClientAsync(IReadOnlyDictionary<string, string> args)
    {
        IPEndPoint target = IPEndPoint.Parse(args["target"]);
        int pings = int.Parse(args["pings"], CultureInfo.InvariantCulture);
        long bulk = long.Parse(args["bulk-bytes"], CultureInfo.InvariantCulture);
        double[] rtts = await PingAsync(target, pings);
        double rtt = Median(rtts);
        double up = await BulkAsync(target, 'u', bulk);
        double down = await BulkAsync(target, 'd', bulk);
        RoleIo.SendJson("probe", new ProbeResult(rtts, rtt, bulk, up, down, bulk * 8 / Math.Max(up - (rtt / 1000), 1e-6), bulk * 8 / Math.Max(down - (rtt / 1000), 1e-6)));
        await RoleIo.RunCommandsAsync((c, _) => Task.CompletedTask);
        return 0;
    }

    private static async Task<double[]> PingAsync(IPEndPoint target, int count)
    {
        using Socket s = await ConnectAsync(target);
        await s.SendAsync("p"u8.ToArray(), SocketFlags.None);
        byte[] message = new byte[PingBytes];
        var rtts = new double[count];
        for (int i = 0; i < count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            await s.SendAsync(message, SocketFlags.None);
            await ReadExactlyAsync(s, message);
            rtts[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            await Task.Delay(20);
        }

        return rtts;
    }

    /// <summary>Seconds from the request to the transfer's end ('u': the server's one-byte answer; 'd': the last byte).</summary>
    private static async Task<double> BulkAsync(IPEndPoint target, char kind, long length)
    {
        using Socket s = await ConnectAsync(target);
        byte[] head = new byte[9];
        head[0] = (byte)kind;
        BinaryPrimitives.WriteInt64LittleEndian(head.AsSpan(1), length);
        byte[] buffer = new byte[64 * 1024];
        long t0 = Stopwatch.GetTimestamp();
        await s.SendAsync(head, SocketFlags.None);
        if (kind == 'u')
        {
            for (long sent = 0; sent < length;)
            {
                sent += await s.SendAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - sent)), SocketFlags.None);
            }

            await ReadExactlyAsync(s, buffer.AsMemory(0, 1));
        }
        else
        {
            for (long got = 0; got < length;)
            {
                int n = await s.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    throw new IOException($"The download ended after {got} of {length} bytes.");
                }

                got += n;
            }
        }

        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint target)
    {
        var s = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(target);
        return s;
    }

    private static async Task<bool> ReadExactlyAsync(Socket s, Memory<byte> buffer)
    {
        for (int got = 0; got < buffer.Length;)
        {
            int n = await s.ReceiveAsync(buffer[got..], SocketFlags.None);
            if (n == 0)
            {
                return false;
            }

            got += n;
        }

        return true;
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>What <c>role-wan-probe</c> measured: ping RTTs (ms) and their median, the bulk size and seconds each way, and the rates (bit/s) less one RTT.</summary>
internal sealed record ProbeResult(double[] RttMs, double MedianRttMs, long BulkBytes, double UploadSeconds, double DownloadSeconds, double UploadBitsPerSecond, double DownloadBitsPerSecond);
