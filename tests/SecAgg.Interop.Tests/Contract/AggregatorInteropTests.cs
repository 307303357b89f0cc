using System.Text.Json;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Interop.Tests.Interop;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using SecAgg.Security;

namespace SecAgg.Interop.Tests.Contract;

/// <summary>Debian's python3-grpcio against the real aggregator (AggregatorHost) over mutual TLS, with stubs from Debian's protoc.</summary>
public sealed class AggregatorInteropTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("secagg-aggregator-interop-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [PythonInteropFact]
    public async Task PythonClientGetsHealthAStatusWithItsErrorDetailClearRefusalsOfAForeignCertificateAndGarbageAndTheOperatorPort()
    {
        string[] ids = ["hospital-1", "hospital-2"];
        ConsortiumLayout files = ConsortiumInitializer.InitializeDemoKeys(new ConsortiumInitOptions(
            Path.Combine(_root, "consortium"), "interop", ids, Threshold: 2, MinParticipants: 2, AggregatorHosts: ["localhost"], ModelDimension: 8,
            NoiseSigma: 0.001, TargetEpsilon: null, Rounds: 1, BudgetEpsilon: 1e300, HePreset: ProtocolPresets.InsecureForTestsName));
        await using AggregatorHost host = await AggregatorHost.StartAsync(new AggregatorHostOptions
        {
            ConfigPath = files.ConsortiumFile,
            ServerCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey),
            ModelLayout = new TensorLayout([new Quantize.Ddg.TensorSpec("w", [8])]),
            AllowInsecureParameters = true,
        });
        using CertificateAuthority stranger = CertificateAuthority.Create("Another consortium CA");
        using var foreign = stranger.IssueClientCertificate("hospital-1");
        string foreignCert = Path.Combine(_root, "foreign.pem"), foreignKey = Path.Combine(_root, "foreign.key");
        await File.WriteAllTextAsync(foreignCert, foreign.ExportCertificatePem());
        await File.WriteAllTextAsync(foreignKey, CertificateAuthority.ExportPrivateKeyPem(foreign));

        JsonElement r = await PythonGrpc.RunScriptAsync("aggregator", [
            Path.Combine(AppContext.BaseDirectory, "Contract", "aggregator_peer.py"), PythonGrpc.ContractStubsDirectory, $"127.0.0.1:{host.Port}",
            files.CaCertificate, files.Participants[ids[0]].Certificate, files.Participants[ids[0]].Key!, foreignCert, foreignKey, $"127.0.0.1:{host.OperatorAddress!.Port}"]);

        Assert.Equal("SERVING", r.GetProperty("health_rounds").GetString());
        Assert.Equal("SERVING", r.GetProperty("health_server").GetString());
        Assert.Equal(ids, r.GetProperty("participants").EnumerateArray().Select(e => e.GetString()));

        JsonElement noRound = r.GetProperty("no_round");
        Assert.Equal("NOT_FOUND", noRound.GetProperty("code").GetString());
        Assert.Contains("no round is open: the key epoch 1 is collecting commits", noRound.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Equal(ErrorReason.NotFound, ErrorDetail.Parser.ParseFrom(Convert.FromHexString(noRound.GetProperty("error_detail").GetString()!)).Reason);

        Assert.Contains("waiting for hospital-1, hospital-2", r.GetProperty("not_open_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("KEY_EPOCH_STAGE_COMMITTING", r.GetProperty("epoch_stage").GetString());
        Assert.Equal(64, r.GetProperty("consortium_digest").GetString()!.Length);

        // A certificate from another CA: refused with a status that says why, not a connection that just closes.
        JsonElement refused = r.GetProperty("foreign");
        Assert.Equal("UNAUTHENTICATED", refused.GetProperty("code").GetString());
        Assert.Contains("must be issued by the consortium CA", refused.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Contains("Another consortium CA", refused.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Equal(ErrorReason.IdentityMismatch, ErrorDetail.Parser.ParseFrom(Convert.FromHexString(refused.GetProperty("error_detail").GetString()!)).Reason);

        // Raw garbage in place of a request message: INVALID_ARGUMENT saying what to send, with the error detail.
        JsonElement garbage = r.GetProperty("garbage");
        Assert.Equal("INVALID_ARGUMENT", garbage.GetProperty("code").GetString());
        Assert.Contains("is not a valid GetRoundStatusRequest message", garbage.GetProperty("details").GetString(), StringComparison.Ordinal);
        Assert.Equal(ErrorReason.Malformed, ErrorDetail.Parser.ParseFrom(Convert.FromHexString(garbage.GetProperty("error_detail").GetString()!)).Reason);

        // The operator port answers health without a client certificate and does not serve the secagg services.
        Assert.Equal("SERVING", r.GetProperty("operator_health").GetString());
        Assert.Equal("UNIMPLEMENTED", r.GetProperty("operator_rounds").GetProperty("code").GetString());
    }
}
