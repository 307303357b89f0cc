using System.CommandLine;
using System.Security.Cryptography;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Identity;
using SecAgg.Participant.Tensors;
using Grpc.Core;
using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary>
/// <c>secagg participant enroll | join | submit | fetch</c>: a hospital's side, for training jobs in any language (tensors
/// as files). Every verb but enroll reads the site's OWN consortium file (--consortium) and nothing the aggregator says
/// without checking it there.
/// </summary>
internal static class ParticipantCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var enrollId = new Option<string>("--id") { Description = "This site's participant id (as the consortium will list it).", Required = true };
        var enrollOut = new Option<string>("--out") { Description = "Folder for the enrollment key (mode 0600, stays here) and the CSR (send it to the consortium's coordinator).", Required = true };
        var enroll = new Command("enroll", "Make this site's ECDSA P-256 enrollment key (never leaves the site) and a certificate signing request for the consortium CA.") { enrollId, enrollOut };
        enroll.SetAction(parse =>
        {
            try
            {
                EnrollmentFiles files = SiteEnrollment.Enroll(parse.GetValue(enrollId)!, parse.GetValue(enrollOut)!);
                console.MarkupLineInterpolated($"Enrollment key: {files.Key} (mode 0600; keep it here, it signs everything this site says).");
                console.MarkupLineInterpolated($"Certificate signing request: [bold]{files.Request}[/]; send it to the consortium's coordinator ('secagg consortium init --from-csr' or 'secagg consortium sign').");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return CliErrors.Report(console, [CliErrors.Describe(e)]);
            }
        });

        var common = new CommonOptions();
        var join = new Command("join", "Join the consortium's key epoch: signed commit, then signed reveal and sealed Shamir dealing, then the epoch keys (0600 in --state); resumes after a restart.");
        common.AddTo(join);
        join.SetAction((parse, token) => Run(console, common, parse, async client =>
        {
            JoinResult r = await client.JoinAsync(token);
            console.MarkupLineInterpolated($"Joined key epoch {r.EpochId} as party {r.PartyId} of {r.Parties} (threshold {r.Threshold}); {r.Acknowledged} of {r.Parties} have their key shares{(r.Ready ? ", the epoch is ready" : "")}.");
            console.MarkupLineInterpolated($"Consortium digest: [bold]{r.ConsortiumDigest}[/] (compare it with the other hospitals).");
            return 0;
        }));

        var update = new Option<string>("--update") { Description = "The update Δ = local − global as .safetensors, .npy or .npz (names and shapes of the round's layout).", Required = true };
        var weight = new Option<ulong>("--weight") { Description = "Public FedAvg weight (e.g. local examples), 1..the round's max weight.", DefaultValueFactory = _ => 1UL };
        var round = new Option<ulong>("--round") { Description = "Round to take part in (0: the current one).", DefaultValueFactory = _ => 0UL };
        var noWait = new Option<bool>("--no-wait") { Description = "Only upload; do not stay to approve the round's upload list, answer its decryption session and wait for the model." };
        var submit = new Command("submit", "Quantize, add DP noise, mask and upload an update with its signed commitment (resumable), then approve the round's upload list, answer its decryption session and wait for the new global model.")
        {
            update, weight, round, noWait,
        };
        common.AddTo(submit);
        submit.SetAction((parse, token) => Run(console, common, parse, async client =>
        {
            IReadOnlyList<NamedTensor> tensors = TensorFile.Read(parse.GetValue(update)!);
            SubmitResult? result = null;
            RoundAnswer? approval = null, decryption = null;
            try
            {
                await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn(), new SpinnerColumn()).StartAsync(async ctx =>
                {
                    ProgressTask upload = ctx.AddTask("quantize, noise, mask, upload", maxValue: 1);
                    SubmitResult submitted = await client.SubmitAsync(tensors, parse.GetValue(weight), parse.GetValue(round), token);
                    result = submitted;
                    upload.Increment(1);
                    if (!parse.GetValue(noWait))
                    {
                        ProgressTask approve = ctx.AddTask("approve the round's upload list", maxValue: 1);
                        approval = await client.ApproveAsync(submitted.Round, token);
                        approve.Increment(1);
                        ProgressTask decrypt = ctx.AddTask("answer the decryption session", maxValue: 1);
                        decryption = approval.Done ? await client.AnswerDecryptionAsync(submitted.Round, token) : null;
                        decrypt.Increment(1);
                        ProgressTask publish = ctx.AddTask("wait for the global model", maxValue: 1);
                        await client.WaitForPublicationAsync(submitted.Round, token);
                        publish.Increment(1);
                    }
                });
            }
            finally
            {
                using var leaving = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.ReportLeavingAsync(result?.Round ?? parse.GetValue(round), leaving.Token);
            }

            SubmitResult done = result!;
            console.MarkupLineInterpolated($"Round {done.Round}: upload {done.UploadId}, {done.Chunks} chunks, {done.ChunksSent} sent now ({done.BytesSent / 1024.0:F0} KiB) in {done.Attempts} stream(s).");
            if (approval is not null)
            {
                console.MarkupLineInterpolated($"Approval: {approval.Detail}.");
            }

            if (decryption is not null)
            {
                console.MarkupLineInterpolated($"Decryption: {decryption.Detail}.");
            }

            return 0;
        }));

        var output = new Option<string>("--out") { Description = "Where to write the global model (.safetensors, .npz; .npy for a single tensor).", Required = true };
        var version = new Option<ulong>("--model-version") { Description = "Model version (0: the newest).", DefaultValueFactory = _ => 0UL };
        var fetch = new Command("fetch", "Download the published global model (digest checked) and write it as tensors.") { output, version };
        common.AddTo(fetch);
        fetch.SetAction((parse, token) => Run(console, common, parse, async client =>
        {
            GlobalModel model = await client.FetchGlobalModelAsync(parse.GetValue(version), token);
            string path = parse.GetValue(output)!;
            TensorFile.Write(path, model.ToTensors());
            console.MarkupLineInterpolated($"Model version {model.ModelVersion} (round {model.Round}, {model.Values.Length} values) written to {path}.");
            return 0;
        }));

        return new Command("participant", "A hospital's side of the protocol.") { enroll, join, submit, fetch };
    }

    private static async Task<int> Run(IAnsiConsole console, CommonOptions common, ParseResult parse, Func<ParticipantClient, Task<int>> action)
    {
        try
        {
            using ParticipantClient client = common.CreateClient(parse, new ConsoleLog(console));
            return await action(client);
        }
        catch (Exception e) when (e is RpcException or InvalidDataException or IOException or ArgumentException or InvalidOperationException or TensorFormatException or CryptographicException or UnauthorizedAccessException
            or ConsortiumConfigException or IdentityRejectedException or KeyEpochException or ParameterMismatchException)
        {
            string message = e is not RpcException r ? CliErrors.Describe(e)
                : AggregatorUnreachableException.From(r) is { } unreachable ? unreachable.Message
                : $"the aggregator answered {r.StatusCode}: {r.Status.Detail}";
            return CliErrors.Report(console, [message], CliErrors.Failed);
        }
    }

    /// <summary>Options every participant verb shares.</summary>
    private sealed class CommonOptions
    {
        public Option<string> Aggregator { get; } = new("--aggregator")
        {
            Description = "The aggregator's address, e.g. https://aggregator.example:7443; for an aggregator cluster, its front ends separated by commas (tried in order, the next when one is down).",
            Required = true,
        };
        public Option<string> Id { get; } = new("--id") { Description = "This hospital's consortium id.", Required = true };
        public Option<string> Certificate { get; } = new("--cert") { Description = "This hospital's enrollment certificate (PEM, issued by the consortium CA from its CSR).", Required = true };
        public Option<string> Key { get; } = new("--key") { Description = "Its enrollment key (PEM, mode 0600; from 'participant enroll').", Required = true };
        public Option<string> Consortium { get; } = new("--consortium") { Description = "This hospital's own copy of the consortium file (its ca: entry is the trust anchor).", Required = true };
        public Option<string> State { get; } = new("--state") { Description = "Local state directory (epoch keys, ledgers, uploads in progress; 0700).", Required = true };
        public Option<bool> Insecure { get; } = new("--allow-insecure-for-tests") { Description = "Accept NOT SECURE test parameters.", Hidden = true };

        public void AddTo(Command command)
        {
            command.Options.Add(Aggregator);
            command.Options.Add(Id);
            command.Options.Add(Certificate);
            command.Options.Add(Key);
            command.Options.Add(Consortium);
            command.Options.Add(State);
            command.Options.Add(Insecure);
        }

        public ParticipantClient CreateClient(ParseResult parse, Microsoft.Extensions.Logging.ILoggerFactory log)
        {
            string consortium = parse.GetValue(Consortium)!;
            if (!File.Exists(consortium))
            {
                throw new IOException($"--consortium '{consortium}' does not exist; the coordinator sends the consortium file (keep your own copy).");
            }

            var addresses = new List<Uri>();
            foreach (string given in parse.GetValue(Aggregator)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!Uri.TryCreate(given, UriKind.Absolute, out Uri? address) || address.Scheme != Uri.UriSchemeHttps)
                {
                    throw new ArgumentException($"--aggregator '{given}' must be an https:// address, e.g. https://localhost:7443.");
                }

                addresses.Add(address);
            }

            if (addresses.Count == 0)
            {
                throw new ArgumentException("--aggregator is empty; give the aggregator's https:// address, e.g. https://localhost:7443.");
            }

            return new ParticipantClient(new ParticipantClientOptions
            {
                Aggregator = addresses[0],
                AlternateAggregators = addresses[1..],
                ClientCertificate = PemCertificate.LoadWithKey(parse.GetValue(Certificate)!, parse.GetValue(Key)!),
                ConsortiumFile = consortium,
                StateDirectory = parse.GetValue(State)!,
                ParticipantId = parse.GetValue(Id)!,
                AllowInsecureForTests = parse.GetValue(Insecure),
                LoggerFactory = log,
            });
        }
    }
}
