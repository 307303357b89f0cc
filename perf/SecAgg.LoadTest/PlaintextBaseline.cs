using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace SecAgg.LoadTest;

/// <summary>
/// The plaintext baseline: the same participants send the same number of float32 bytes (d · 4) concurrently over
/// loopback TLS 1.3 with client certificates from the same consortium CA, to a sink that reads every byte and
/// acknowledges with one byte. No gRPC, no HTTP/2 framing, no homomorphic addition, no durable state: the cost of
/// moving the plaintext model over an authenticated channel on this machine.
/// </summary>
internal static class PlaintextBaseline
{
    /// <summary>Returns the wall time from the first connection to the last acknowledgement.</summary>
    public static async Task<TimeSpan> RunAsync(X509Certificate2 serverCertificate, X509Certificate2 ca, IReadOnlyList<X509Certificate2> clientCertificates, byte[][] payloads)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var chain = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        chain.CustomTrustStore.Add(ca);
        bool Validate(X509Certificate2? c)
        {
            if (c is null)
            {
                return false;
            }

            using var ch = new X509Chain { ChainPolicy = chain };
            return ch.Build(c);
        }

        Task server = Task.WhenAll(payloads.Select(async _ =>
        {
            using TcpClient c = await listener.AcceptTcpClientAsync();
            await using var ssl = new SslStream(c.GetStream());
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = serverCertificate,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, cert, _, _) => Validate(cert as X509Certificate2),
            });
            byte[] len = new byte[8];
            await ssl.ReadExactlyAsync(len);
            long remaining = BitConverter.ToInt64(len);
            byte[] buffer = new byte[1 << 20];
            while (remaining > 0)
            {
                int n = await ssl.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)));
                if (n == 0)
                {
                    throw new EndOfStreamException("A baseline client closed early.");
                }

                remaining -= n;
            }

            await ssl.WriteAsync(new byte[] { 1 });
        }));
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(payloads.Select(async (p, i) =>
        {
            using var c = new TcpClient { NoDelay = true };
            await c.ConnectAsync(IPAddress.Loopback, port);
            await using var ssl = new SslStream(c.GetStream());
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = [clientCertificates[i]],
                RemoteCertificateValidationCallback = (_, cert, _, _) => Validate(cert as X509Certificate2),
            });
            await ssl.WriteAsync(BitConverter.GetBytes((long)p.Length));
            await ssl.WriteAsync(p);
            byte[] ack = new byte[1];
            await ssl.ReadExactlyAsync(ack);
        }));
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        await server;
        return elapsed;
    }
}
