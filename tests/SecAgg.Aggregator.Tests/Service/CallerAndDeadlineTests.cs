using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Health.V1;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Consortium;
using SecAgg.Security;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// Who may call the aggregator and for how long: a certificate from another CA, a certificate of the right CA that
/// claims an enrolled name but is not the pinned one, a consortium file without pins, the default call deadline, and
/// the standard health service per service name.
/// </summary>
public sealed class CallerAndDeadlineTests
{
    [Fact]
    public async Task ACertificateFromAnotherCaIsRefusedWithAStatusThatNamesTheConsortiumCa()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();
        using CertificateAuthority stranger = CertificateAuthority.Create("Stranger CA");
        using var foreign = stranger.IssueClientCertificate(h.Ids[0]);

        RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.Unauthenticated, () => h.Client(foreign).KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest()).ResponseAsync);
        Assert.Contains("must be issued by the consortium CA 'CN=SecAgg test consortium CA'", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("issuer 'CN=Stranger CA'", e.Status.Detail, StringComparison.Ordinal);
        var detail = ErrorDetail.Parser.ParseFrom(e.Trailers.GetValueBytes(WireKeys.ErrorDetailTrailer));
        Assert.Equal(ErrorReason.IdentityMismatch, detail.Reason);
        Assert.Contains(h.Logs, l => l.Contains("[204]", StringComparison.Ordinal) && l.Contains("GetEpochInfo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACertificateNamingAnEnrolledParticipantButNotPinnedIsRefusedWithThePinToCheck()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();

        // The consortium CA issues a second certificate for hospital-a (same subject and SAN, another key): an
        // impersonator the CA alone cannot tell apart. Only the pinned fingerprint authenticates.
        using var impersonator = h.Ca.IssueClientCertificate(h.Ids[0]);
        Assert.Equal(h.Certificates[h.Ids[0]].Subject, impersonator.Subject);
        RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.PermissionDenied, () => h.Client(impersonator).Rounds.GetRoundStatusAsync(new GetRoundStatusRequest()).ResponseAsync);
        string presented = Convert.ToHexStringLower(SHA256.HashData(impersonator.RawData));
        string pinned = Convert.ToHexString(SHA256.HashData(h.Certificates[h.Ids[0]].RawData));
        Assert.Contains($"SHA-256 {presented}", e.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"check the certificate-sha256 of participant '{h.Ids[0]}' in the consortium file (it pins {pinned})", e.Status.Detail, StringComparison.Ordinal);

        // The pinned certificate of the same participant is accepted.
        Assert.Equal(1u, (await h.Participant(h.Ids[0]).CommitAsync()).Received);
    }

    [Fact]
    public async Task AConsortiumFileWithAParticipantPinnedOnlyBySubjectIsRefusedAtStart()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        string pin = Convert.ToHexString(SHA256.HashData(h.Certificates[h.Ids[1]].RawData));
        string config = File.ReadAllText(h.ConfigPath);
        Assert.Contains(pin, config, StringComparison.Ordinal);
        File.WriteAllText(h.ConfigPath, config.Replace($"certificate-sha256: {pin}", $"certificate-subject: \"CN={h.Ids[1]}\"", StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<ConsortiumConfigException>(h.StartAsync);
        Assert.Contains($"('{h.Ids[1]}') is identified by certificate-subject only; a subject never authenticates", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACallWithoutADeadlineEndsAtTheServersDefaultDeadline()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        h.DefaultCallDeadline = TimeSpan.FromSeconds(1);
        await h.StartAsync();
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        await h.JoinEpochAsync();
        await h.WaitForStageAsync(1, WireStage.Open);

        // GetDecryptionSession waits while the round collects; with no client deadline the server's ends it.
        using var channel = TestChannel.Create(h.Address, h.Certificates[h.Ids[0]], h.Ca.Certificate);
        var rounds = new Proto.V1.Rounds.RoundsClient(channel);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.DeadlineExceeded, async () =>
        {
            await rounds.GetDecryptionSessionAsync(new GetDecryptionSessionRequest { Round = 1, WaitMillis = 60_000 });
        });
        Assert.Contains("default deadline", e.Status.Detail, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"the call ended only after {watch.Elapsed}");

        // A call that sets its own deadline keeps it (here shorter than the server's).
        RpcException own = await ServiceHarness.AssertStatusAsync(StatusCode.DeadlineExceeded, async () =>
        {
            await rounds.GetDecryptionSessionAsync(new GetDecryptionSessionRequest { Round = 1, WaitMillis = 60_000 }, deadline: DateTime.UtcNow.AddMilliseconds(300));
        });
        Assert.DoesNotContain("default deadline", own.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StandardHealthAnswersPerServiceNameAndNotFoundForOthers()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();
        Health.HealthClient health = h.Client(h.Certificates[h.Ids[0]]).Health;
        foreach (string name in new[] { "", "secagg.v1.KeyEpoch", "secagg.v1.Rounds" })
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = name })).Status);
        }

        await ServiceHarness.AssertStatusAsync(StatusCode.NotFound, () => health.CheckAsync(new HealthCheckRequest { Service = "secagg.v1.Health" }).ResponseAsync);
    }
}
