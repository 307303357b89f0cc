using System.Diagnostics;
using SecAgg.Participant.Client;

namespace SecAgg.Cli.Demo;

/// <summary>What one hospital did in a round (milliseconds and bytes).</summary>
internal sealed record HospitalRoundReport(double UploadMs, double DecryptMs, long BytesSent, long ShareBytes);

/// <summary>One hospital's part of a round (v2): submit the masked update, approve U's list, answer the decryption session if in D.</summary>
internal static class HospitalRound
{
    /// <exception cref="InvalidOperationException">The hospital refused the round's list (the reason is in the message).</exception>
    public static async Task<HospitalRoundReport> RunAsync(ParticipantClient client, float[] update, int round, int shareBytes, CancellationToken token)
    {
        var watch = Stopwatch.StartNew();
        SubmitResult submitted = await client.SubmitAsync(update, 1, (ulong)round, token);
        double upload = watch.Elapsed.TotalMilliseconds;
        watch.Restart();
        RoundAnswer approval = await client.ApproveAsync((ulong)round, token);
        if (!approval.Done)
        {
            throw new InvalidOperationException($"Round {round}: {approval.Detail}");
        }

        RoundAnswer decryption = await client.AnswerDecryptionAsync((ulong)round, token);
        return new HospitalRoundReport(upload, watch.Elapsed.TotalMilliseconds, submitted.BytesSent, decryption.Done ? (long)decryption.Count * shareBytes : 0);
    }
}
