using System.Net;
using System.Net.Sockets;

namespace SecAgg.LoadTest;

/// <summary>
/// A loopback TCP relay in front of the aggregator for one participant, used to separate the encrypt phase from the
/// upload phase without changing the client: bytes from the client are forwarded at once, except that once
/// <paramref name="encrypted"/> holds (the client has stored its ciphertext chunks and upload progress, which it does
/// before its first upload RPC) they are held until <see cref="Release"/>. Server-to-client bytes always flow.
/// The TLS session is end to end (the relay sees only ciphertext of the TLS layer).
/// </summary>
internal sealed class GatedProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly Func<bool> _encrypted;
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accept;

    public GatedProxy(Uri target, Func<bool> encrypted)
    {
        _target = new IPEndPoint(IPAddress.Loopback, target.Port);
        _encrypted = encrypted;
        _listener.Start();
        _accept = AcceptAsync();
    }

    /// <summary>The address to give the client (same host name, so the aggregator's certificate still matches).</summary>
    public Uri Address(Uri aggregator) => new UriBuilder(aggregator) { Port = ((IPEndPoint)_listener.LocalEndpoint).Port }.Uri;

    /// <summary>Whether a client's upload is being held.</summary>
    public bool Holding { get; private set; }

    public void Release() => _released.TrySetResult();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                Socket client = await _listener.AcceptSocketAsync(_stop.Token);
                var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                client.NoDelay = true;
                await server.ConnectAsync(_target, _stop.Token);
                lock (_sockets)
                {
                    _sockets.Add(client);
                    _sockets.Add(server);
                }

                _ = PumpAsync(client, server, gated: true);
                _ = PumpAsync(server, client, gated: false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool gated)
    {
        byte[] buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                if (gated && !_released.Task.IsCompleted && _encrypted())
                {
                    Holding = true;
                    await _released.Task.WaitAsync(_stop.Token);
                }

                for (int sent = 0; sent < n;)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (Socket s in _sockets)
            {
                s.Dispose();
            }
        }

        await _accept;
        _stop.Dispose();
    }
}
