namespace SecAgg.Interop.Tests.Interop;

/// <summary>Debian's python3-grpcio as the server twice: cleartext and mutual TLS against the test CA.</summary>
public sealed class PythonServerFixture : IDisposable
{
    private readonly PythonServer? _cleartext;
    private readonly PythonServer? _mutualTls;

    public PythonServerFixture()
    {
        if (PythonGrpc.Unavailable is not null)
        {
            return;
        }

        _cleartext = new PythonServer();
        _mutualTls = new PythonServer(Pki.ServerCertPem, Pki.ServerKeyPem, Pki.CaPem);
    }

    public TestPki Pki { get; } = new();

    public Uri CleartextAddress => new($"http://127.0.0.1:{_cleartext!.Port}");

    public Uri MutualTlsAddress => new($"https://localhost:{_mutualTls!.Port}");

    public void Dispose()
    {
        _cleartext?.Dispose();
        _mutualTls?.Dispose();
        Pki.Dispose();
    }
}
