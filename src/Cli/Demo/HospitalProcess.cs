using System.Diagnostics;
using System.Globalization;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Cli.Demo;

/// <summary>
/// One hospital of the demo as its own OS process (the hidden verb <c>secagg demo-hospital</c>): joins the key epoch,
/// then per round trains on its share, submits, approves U's list, answers the decryption session, waits for and
/// downloads the model. It reports one line per step on stdout: <c>joined</c>, then
/// <c>round R train_ms upload_ms decrypt_ms bytes share_bytes</c>.
/// </summary>
internal static class HospitalProcess
{
    public static async Task<int> RunAsync(DemoOptions options, string consortium, string id, int index, Uri aggregator, TextWriter output, CancellationToken token)
    {
        var plan = new SecureDemo(options);
        BaselineRunner baseline = plan.Baseline;
        ConsortiumLayout files = ConsortiumLayout.For(consortium, plan.Ids);
        int shareBytes = ConsortiumConfigLoader.Load(files.ConsortiumFile).Preset.Aggregation.ShareBytes;
        using ParticipantClient client = NetworkDemo.CreateClient(files, id, aggregator, Path.Combine(consortium, "state", id));
        try
        {
            await client.JoinAsync(token);
            output.WriteLine("joined");
            output.Flush();
            float[] global = new float[plan.Dimension];
            for (int round = 1; round <= options.Rounds; round++)
            {
                var watch = Stopwatch.StartNew();
                float[] update = baseline.Training.ComputeUpdate(baseline.Hospitals[index], global, round, index);
                double train = watch.Elapsed.TotalMilliseconds;
                HospitalRoundReport report = await HospitalRound.RunAsync(client, update, round, shareBytes, token);
                global = (await client.FetchRoundModelAsync((ulong)round, token)).Values;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} {train:F0} {report.UploadMs:F0} {report.DecryptMs:F0} {report.BytesSent} {report.ShareBytes}"));
                output.Flush();
            }
        }
        finally
        {
            using var leaving = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ReportLeavingAsync(0, leaving.Token);
        }

        return 0;
    }
}
