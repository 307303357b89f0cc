using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;

namespace SecAgg.Interop.Tests.Interop;

/// <summary>Debian's python3-grpcio as the client, our Kestrel server as the server.</summary>
public sealed class PythonClientToOurServerTests(OurServerFixture fixture) : IClassFixture<OurServerFixture>
{
    private string Target => $"127.0.0.1:{fixture.CleartextPort}";

    private string TlsTarget => $"127.0.0.1:{fixture.MutualTlsPort}";

    [PythonInteropFact]
    public async Task UnaryCallEchoesTextDataAndMetadataAndSendsTrailers()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(Target, "unary");
        AssertNoUnexpectedError(r);
        Assert.Equal("héllo ✓", r.GetProperty("text").GetString());
        Assert.Equal("0001ff", r.GetProperty("data").GetString());
        Assert.Equal("abc", r.GetProperty("tag").GetString());
        Assert.Equal("00feff", r.GetProperty("blob").GetString());
        Assert.Equal("done", r.GetProperty("trailer").GetString());
    }

    [PythonInteropFact]
    public async Task GzipCompressedRequestIsDecompressed()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(Target, "gzip");
        AssertNoUnexpectedError(r);
        Assert.Equal(10000, r.GetProperty("length").GetInt32());
    }

    [PythonInteropFact]
    public async Task ClientStreamOf64MiBArrivesComplete()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(Target, "upload64");
        AssertNoUnexpectedError(r);
        Assert.Equal(64, r.GetProperty("count").GetInt32());
        Assert.Equal(64L << 20, r.GetProperty("total").GetInt64());
        Assert.Equal(ExpectedSha256(64, 1 << 20), r.GetProperty("sha256").GetString());
    }

    [PythonInteropFact]
    public async Task ServerStreamOf64MiBArrivesComplete()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(Target, "download64");
        AssertNoUnexpectedError(r);
        Assert.Equal(64, r.GetProperty("count").GetInt32());
        Assert.Equal(ExpectedSha256(64, 1 << 20), r.GetProperty("sha256").GetString());
    }

    [PythonInteropFact]
    public async Task BidirectionalStreamAnswersEveryMessageInOrder()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(Target, "bidi");
        AssertNoUnexpectedError(r);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"echo:m{i}"), r.GetProperty("replies").EnumerateArray().Select(e => e.GetString()));
    }

    [PythonInteropFact]
    public async Task ErrorStatusWithNonAsciiMessageReachesPythonIntact()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(Target, "error");
        Assert.Equal((int)StatusCode.NotFound, r.GetProperty("code").GetInt32());
        Assert.Equal("Données introuvables: ünïcødé ✓ 100%", r.GetProperty("details").GetString());
    }

    [PythonInteropFact]
    public async Task UnknownMethodIsUnimplemented()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(Target, "unknown");
        Assert.Equal((int)StatusCode.Unimplemented, r.GetProperty("code").GetInt32());
    }

    [PythonInteropFact]
    public async Task PythonDeadlineEndsTheCallAndCancelsOurHandler()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(Target, "deadline");
        Assert.Equal((int)StatusCode.DeadlineExceeded, r.GetProperty("code").GetInt32());
        HangReport report = await fixture.Service.WaitForHangAsync("py-deadline");
        Assert.True(report.Ended, "our handler's cancellation token never fired");
        Assert.True(report.DeadlineExceeded, "our handler saw a cancellation but not the deadline");
    }

    [PythonInteropFact]
    public async Task PythonCancellationResetsTheStreamAndCancelsOurHandler()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(Target, "cancel");
        Assert.Equal("started", r.GetProperty("first").GetString());
        Assert.Equal((int)StatusCode.Cancelled, r.GetProperty("code").GetInt32());
        HangReport report = await fixture.Service.WaitForHangAsync("py-cancel");
        Assert.True(report.Ended, "our handler's cancellation token never fired");
        Assert.True(report.Cancelled);
    }

    [PythonInteropFact]
    public async Task MutualTlsWithConsortiumCertificateIsAcceptedAndIdentified()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(TlsTarget, "tls", fixture.Pki.CaPem, fixture.Pki.ClientCertPem, fixture.Pki.ClientKeyPem);
        Assert.Equal(0, r.GetProperty("code").GetInt32());
        Assert.Equal("hospital-a", r.GetProperty("peer").GetString());
    }

    [PythonInteropFact]
    public async Task MutualTlsWithoutClientCertificateIsRefused()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(TlsTarget, "tls", fixture.Pki.CaPem);
        Assert.Equal((int)StatusCode.Unavailable, r.GetProperty("code").GetInt32());
    }

    [PythonInteropFact]
    public async Task MutualTlsWithCertificateFromAnotherCaIsRefused()
    {
        JsonElement r = await PythonGrpc.RunClientAsync(TlsTarget, "tls", fixture.Pki.CaPem, fixture.Pki.ForeignClientCertPem, fixture.Pki.ForeignClientKeyPem);
        Assert.Equal((int)StatusCode.Unavailable, r.GetProperty("code").GetInt32());
    }

    internal static string ExpectedSha256(int count, int chunkSize)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[chunkSize];
        for (int i = 0; i < count; i++)
        {
            Array.Fill(chunk, (byte)(i % 256));
            hash.AppendData(chunk);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AssertNoUnexpectedError(JsonElement r)
    {
        if (r.TryGetProperty("unexpected", out JsonElement e))
        {
            Assert.Fail($"The Python client got status {e.GetProperty("code").GetInt32()}: {e.GetProperty("details").GetString()}");
        }
    }
}
