using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SecAgg.RoundBench.Wan;

namespace SecAgg.Perf.Tests;

public sealed class DelayProxyTests
{
    [Fact]
    public async Task BytesCrossTheProxyUnchangedAndInOrderBothWays()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        Task serving = Task.Run(async () =>
        {
            using TcpClient peer = await echo.AcceptTcpClientAsync();
            using NetworkStream stream = peer.GetStream();
            await stream.CopyToAsync(stream); // echoes until the client half-closes
            peer.Client.Shutdown(SocketShutdown.Send);
        });
        using DelayProxy proxy = DelayProxy.Start(IPAddress.Loopback, [(IPEndPoint)echo.LocalEndpoint], TimeSpan.FromMilliseconds(2));

        byte[] sent = new byte[3_000_000];
        new Random(17).NextBytes(sent);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, proxy.Ports[0]);
        using NetworkStream s = client.GetStream();
        var received = new MemoryStream();
        Task reading = s.CopyToAsync(received);
        for (int offset = 0; offset < sent.Length; offset += 10_007)
        {
            await s.WriteAsync(sent.AsMemory(offset, Math.Min(10_007, sent.Length - offset)));
        }

        client.Client.Shutdown(SocketShutdown.Send);
        await reading.WaitAsync(TimeSpan.FromMinutes(2));
        await serving.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(sent, received.ToArray());
        Assert.Equal(1, proxy.Connections);
    }

    [Fact]
    public async Task EachTargetGetsItsOwnPort()
    {
        using var a = new TcpListener(IPAddress.Loopback, 0);
        using var b = new TcpListener(IPAddress.Loopback, 0);
        a.Start();
        b.Start();
        using DelayProxy proxy = DelayProxy.Start(IPAddress.Loopback, [(IPEndPoint)a.LocalEndpoint, (IPEndPoint)b.LocalEndpoint], TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, proxy.Ports.Distinct().Count());

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, proxy.Ports[1]);
        using TcpClient accepted = await b.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.False(a.Pending());
    }

    [Fact]
    public async Task WaitsEndInTheOrderOfTheirDueTimes()
    {
        long now = Stopwatch.GetTimestamp(), ms = Stopwatch.Frequency / 1000;
        var order = new List<int>();
        Task Record(int id, long due) => DueTimer.Shared.WaitUntil(due).ContinueWith(_ => { lock (order) { order.Add(id); } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await Task.WhenAll(Record(3, now + (60 * ms)), Record(1, now + (20 * ms)), Record(2, now + (40 * ms))).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal([1, 2, 3], order);
        Assert.True(Stopwatch.GetTimestamp() >= now + (60 * ms), "a wait ended before its due time");
    }
}
