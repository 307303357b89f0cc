using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using SecAgg.Aggregator.Service.State;
using Grpc.Core;
using SecAgg.Proto.V1;
using Xunit.Abstractions;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// The service log of one whole round, captured from an in-process host: every join step, each upload counted or
/// refused with its reason, every stage change, the restart and its recovery, and the shutdown; ids and counts only.
/// </summary>
public sealed class ServiceLogTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OneRoundLogsEveryJoinStepUploadRefusalStageChangeRestartAndShutdown()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite", parties: 3, minParticipants: 2, threshold: 2);
        await h.StartAsync();
        TestParticipant[] ps = h.Ids.Select(h.Participant).ToArray();
        await h.JoinEpochAsync();

        await h.WaitForStageAsync(1, WireStage.Open);
        var sent = new List<byte[]>();
        List<CiphertextUploadMessage> a = await ps[0].EncryptAsync(1, TestParticipant.RandomUpdate(1));
        List<CiphertextUploadMessage> b = await ps[1].EncryptAsync(1, TestParticipant.RandomUpdate(2));
        List<CiphertextUploadMessage> c = await ps[2].EncryptAsync(1, TestParticipant.RandomUpdate(3));
        sent.AddRange(a.Concat(b).Concat(c).Where(m => m.KindCase == CiphertextUploadMessage.KindOneofCase.Chunk).Select(m => m.Chunk.Ciphertext.ToByteArray()));
        await ps[0].SendAsync(a);
        var wrongDigest = b.Select(m => m.Clone()).ToList();
        wrongDigest[0] = new CiphertextUploadMessage { Header = new UploadHeader(b[0].Header) { ParameterDigest = ByteString.CopyFrom(new byte[32]) } };
        await ServiceHarness.AssertStatusAsync(StatusCode.FailedPrecondition, () => ps[1].SendAsync(wrongDigest));
        await ps[1].SendAsync(b);

        // A restart mid-round: the service says which round it resumes.
        await h.StopAsync();
        await h.StartAsync();
        await ps[2].SendAsync(c);
        await h.ApproveAllAsync(1, ps);
        await h.WaitForStageAsync(1, WireStage.Decrypting);
        foreach (TestParticipant p in ps)
        {
            await p.DecryptAsync(1); // t = 2 of 3: one participant is not in the decryption set and answers nothing
        }

        await h.WaitForStageAsync(1, WireStage.Published);
        await h.StopAsync();

        string[] lines = [.. h.Logs.Where(l => l.StartsWith("SecAgg.", StringComparison.Ordinal))];
        foreach (string line in lines)
        {
            output.WriteLine(line);
        }

        int At(string eventId, string text) => Array.FindIndex(lines, l => l.Contains($"[{eventId}]", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal));
        void Logged(string eventId, string text, int times = 1) =>
            Assert.True(lines.Count(l => l.Contains($"[{eventId}]", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal)) >= times, $"no [{eventId}] line with '{text}' ({times}x) in:\n{string.Join("\n", lines)}");

        Logged("200", "Aggregator listening on https://localhost:", times: 2);
        Logged("221", "Operator port listening on https://localhost:", times: 2);
        foreach (string id in h.Ids)
        {
            Logged("215", $"{id} read the epoch info");
            Logged("201", $"commit of {id} accepted");
            Logged("201", $"reveal of {id} accepted");
            Logged("201", $"acknowledgement of {id} accepted");
            Logged("216", $"threshold-share blobs from {id} stored for [");
            Logged("217", $"{id} received 2 threshold-share blobs");
            Logged("218", $"{id} acknowledged its key shares");
            Logged("203", $"upload of {id} counted");
        }

        Logged("202", "Key epoch 1 ready");
        Logged("222", "Round 1: collection closed with 3 uploads");
        Logged("223", "approval of", times: 3);
        Logged("1008", "Round 1 opened");
        Logged("204", "UploadCiphertexts refused for hospital-b: FailedPrecondition (DigestMismatch) parameter_digest does not match round 1's");
        Logged("214", "Round 1 found collecting at start-up (2 uploads counted); resuming it");
        Assert.Single(lines, l => l.Contains("[214]", StringComparison.Ordinal)); // the first start resumes nothing
        Logged("205", "Round 1: decryption begins with set [");
        Logged("206", "decryption shares of", times: 2);
        Logged("224", "read back from storage) and decoded the mean; storing the model");
        Logged("224", ", 0 read back from storage)"); // no restart while decrypting: every chunk's shares were added up on arrival
        Logged("1009", "Round 1 published model version 1: 3 summands, epsilon");
        Logged("211", "Aggregator stopping", times: 2);
        Logged("220", "Aggregator stopped", times: 2);

        // Stage changes, in order, each with the time spent in the stage it left.
        int opened = At("213", "Round 1: open -> collecting after");
        int approving = At("213", "Round 1: collecting -> approving (time in collecting not measured: it began before this start)");
        int decrypting = At("213", "Round 1: approving -> decrypting after");
        int published = At("213", "Round 1: decrypting -> published after");
        Assert.True(opened >= 0 && approving > opened && decrypting > approving && published > decrypting, string.Join("\n", lines));

        // Ids, counts and statuses only: no ciphertext bytes in any encoding.
        string all = string.Join("\n", h.Logs);
        foreach (byte[] chunk in sent)
        {
            Assert.DoesNotContain(Convert.ToHexString(chunk.AsSpan(20, 16)), all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToBase64String(chunk.AsSpan(20, 24)), all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PollsAnsweredNotYetAreNotLoggedAsRefusals()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();
        TestParticipant p = h.Participant(h.Ids[0]);
        await p.CommitAsync();
        await ServiceHarness.AssertStatusAsync(StatusCode.NotFound, () => p.Client.Rounds.GetRoundConfigAsync(new GetRoundConfigRequest()).ResponseAsync);

        Assert.Contains(h.Logs, l => l.Contains("[219]", StringComparison.Ordinal) && l.Contains("GetRoundConfig for hospital-a: not yet", StringComparison.Ordinal));
        Assert.DoesNotContain(h.Logs, l => l.Contains("[204]", StringComparison.Ordinal));
        Assert.Empty(h.Host!.Services.GetRequiredService<RefusalJournal>().Recent());
    }
}
