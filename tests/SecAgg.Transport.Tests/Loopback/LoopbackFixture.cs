using SecAgg.Transport.Tests.Interop;

namespace SecAgg.Transport.Tests.Loopback;

/// <summary>Our server and our client in one process: what the Python peers cannot easily probe.</summary>
public sealed class LoopbackFixture : IAsyncLifetime
{
    internal InteropService Service { get; } = new();

    public TestPki Pki { get; } = new();

    /// <summary>Cleartext server: 1 MiB receive limit, gzip responses, small HTTP/2 windows, keepalive pings.</summary>
    public GrpcServer Server { get; private set; } = null!;

    /// <summary>Mutual-TLS server.</summary>
    public GrpcServer MutualTls { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        GrpcServiceRegistry registry = Service.CreateRegistry();
        registry.AddUnary(LoopbackMethods.Throw, (_, _) => throw new InvalidOperationException("secret internal detail"));
        registry.AddUnary(LoopbackMethods.Headers, async (request, context) =>
        {
            await context.WriteResponseHeadersAsync(new Metadata().Add("x-early", "yes").Add("x-early-bin", [1, 2, 3]));
            return new EchoReply { Text = context.PeerIdentity?.ParticipantId ?? "", MetadataTag = context.Deadline is null ? "no-deadline" : "deadline" };
        });
        Server = await GrpcServer.StartAsync(registry, new GrpcServerOptions
        {
            MaxReceiveMessageSize = 1 << 20,
            ResponseCompression = "gzip",
            InitialConnectionWindowSize = 128 * 1024,
            InitialStreamWindowSize = 96 * 1024,
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        });
        MutualTls = await GrpcServer.StartAsync(registry, new GrpcServerOptions { ServerCertificate = Pki.Server, ClientCertificateAuthority = Pki.Ca.Certificate });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await MutualTls.DisposeAsync();
        Pki.Dispose();
    }
}

/// <summary>Extra methods registered only on the loopback server (paths outside interop.proto).</summary>
internal static class LoopbackMethods
{
    public static readonly Method<EchoRequest, EchoReply> Throw = new(MethodType.Unary, "secagg.test.Loopback", "Throw", EchoRequest.Parser, EchoReply.Parser);
    public static readonly Method<EchoRequest, EchoReply> Headers = new(MethodType.Unary, "secagg.test.Loopback", "Headers", EchoRequest.Parser, EchoReply.Parser);
}
