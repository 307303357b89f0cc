namespace SecAgg.Transport.Tests.Interop;

/// <summary>Our gRPC server twice (cleartext h2c and mutual TLS), serving the interop test service.</summary>
public sealed class OurServerFixture : IAsyncLifetime
{
    internal InteropService Service { get; } = new();

    public TestPki Pki { get; } = new();

    public GrpcServer Cleartext { get; private set; } = null!;

    public GrpcServer MutualTls { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        GrpcServiceRegistry registry = Service.CreateRegistry();
        Cleartext = await GrpcServer.StartAsync(registry, new GrpcServerOptions { MaxReceiveMessageSize = 8 << 20, ResponseCompression = "gzip" });
        MutualTls = await GrpcServer.StartAsync(registry, new GrpcServerOptions
        {
            MaxReceiveMessageSize = 8 << 20,
            ServerCertificate = Pki.Server,
            ClientCertificateAuthority = Pki.Ca.Certificate,
        });
    }

    public async Task DisposeAsync()
    {
        await Cleartext.DisposeAsync();
        await MutualTls.DisposeAsync();
        Pki.Dispose();
    }
}
