using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Aggregator.Service;
using SecAgg.Participant.Client;

namespace SecAgg.Cli.Demo;

/// <summary>
/// One hospital of the demo as its own OS process (the hidden verb <c>secagg demo-hospital</c>): joins the key epoch,
/// then per round trains on its share, submits, answers the decryption request, waits for and downloads the model.
/// It reports one line per step on stdout: <c>joined</c>, then <c>round R train_ms upload_ms decrypt_ms bytes</c>.
/// </summary>
internal static class HospitalProcess
{
    public static async Task<int> RunAsync(DemoOptions options, string consortium, string id, int index, Uri aggregator, TextWriter output, CancellationToken token)
    {
        var plan = new SecureDemo(options);
        BaselineRunner baseline = plan.Baseline;
        using var client = new ParticipantClient(new ParticipantClientOptions
        {
            Aggregator = aggregator,
            ClientCertificate = AggregatorHostOptions.LoadCertificate(Path.Combine(consortium, "participants", id, "client.pem"), Path.Combine(consortium, "participants", id, "client.key")),
            CertificateAuthority = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(consortium, "ca", "ca.pem"))),
            StateDirectory = Path.Combine(consortium, "state", id),
            ParticipantId = id,
            PollInterval = TimeSpan.FromMilliseconds(50),
        });
        await client.JoinAsync(token);
        output.WriteLine("joined");
        output.Flush();
        float[] global = new float[plan.Dimension];
        for (int round = 1; round <= options.Rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            float[] update = baseline.Training.ComputeUpdate(baseline.Hospitals[index], global, round, index);
            double train = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            SubmitResult submitted = await client.SubmitAsync(update, 1, (ulong)round, token);
            double upload = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            await client.AnswerDecryptionAsync((ulong)round, token);
            double decrypt = watch.Elapsed.TotalMilliseconds;
            ulong version = await client.WaitForPublicationAsync((ulong)round, token);
            global = (await client.FetchGlobalModelAsync(version, token)).Values;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} {train:F0} {upload:F0} {decrypt:F0} {submitted.BytesSent}"));
            output.Flush();
        }

        return 0;
    }
}
