using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Participant.Client;
using SecAgg.Participant.Tensors;
using Grpc.Core;
using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary><c>secagg participant join | submit | fetch</c>: a hospital's side, for training jobs in any language (tensors as files).</summary>
internal static class ParticipantCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var common = new CommonOptions();
        var join = new Command("join", "Join the consortium's key epoch: keep a secret-key share in --state, upload its public part once, relay threshold shares, check the collective key.");
        common.AddTo(join);
        join.SetAction((parse, token) => Run(console, common, parse, async client =>
        {
            JoinResult r = await client.JoinAsync(token);
            console.MarkupLineInterpolated($"Joined key epoch {r.EpochId} as party {r.PartyId} of {r.Parties} (threshold {r.Threshold}). Collective key SHA-256: [bold]{Convert.ToHexString(r.PublicKeyDigest).ToLowerInvariant()}[/] (compare it with the other hospitals).");
            return 0;
        }));

        var update = new Option<string>("--update") { Description = "The update Δ = local − global as .safetensors, .npy or .npz (names and shapes of the round's layout).", Required = true };
        var weight = new Option<ulong>("--weight") { Description = "Public FedAvg weight (e.g. local examples), 1..the round's max weight.", DefaultValueFactory = _ => 1UL };
        var round = new Option<ulong>("--round") { Description = "Round to take part in (0: the current one).", DefaultValueFactory = _ => 0UL };
        var noWait = new Option<bool>("--no-wait") { Description = "Only upload; do not stay to answer the decryption request and wait for the model." };
        var submit = new Command("submit", "Quantize, add DP noise, encrypt and upload an update (resumable), then answer the round's decryption request and wait for the new global model.")
        {
            update, weight, round, noWait,
        };
        common.AddTo(submit);
        submit.SetAction((parse, token) => Run(console, common, parse, async client =>
        {
            IReadOnlyList<NamedTensor> tensors = TensorFile.Read(parse.GetValue(update)!);
            SubmitResult result = null!;
            await console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn(), new SpinnerColumn()).StartAsync(async ctx =>
            {
                ProgressTask upload = ctx.AddTask("quantize, noise, encrypt, upload", maxValue: 1);
                result = await client.SubmitAsync(tensors, parse.GetValue(weight), parse.GetValue(round), token);
                upload.Increment(1);
                if (!parse.GetValue(noWait))
                {
                    ProgressTask decrypt = ctx.AddTask("answer the decryption request", maxValue: 1);
                    await client.AnswerDecryptionAsync(result.Round, token);
                    decrypt.Increment(1);
                    ProgressTask publish = ctx.AddTask("wait for the global model", maxValue: 1);
                    await client.WaitForPublicationAsync(result.Round, token);
                    publish.Increment(1);
                }
            });
            console.MarkupLineInterpolated($"Round {result.Round}: {result.Chunks} ciphertexts, {result.ChunksSent} sent now ({result.BytesSent / 1024.0:F0} KiB) in {result.Attempts} stream(s).");
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

        return new Command("participant", "A hospital's side of the protocol.") { join, submit, fetch };
    }

    private static async Task<int> Run(IAnsiConsole console, CommonOptions common, ParseResult parse, Func<ParticipantClient, Task<int>> action)
    {
        try
        {
            using ParticipantClient client = common.CreateClient(parse, new ConsoleLog(console));
            return await action(client);
        }
        catch (Exception e) when (e is RpcException or InvalidDataException or IOException or ArgumentException or InvalidOperationException or TensorFormatException or CryptographicException or UnauthorizedAccessException)
        {
            string message = e is not RpcException r ? e.Message
                : AggregatorUnreachableException.From(r) is { } unreachable ? unreachable.Message
                : $"the aggregator answered {r.StatusCode}: {r.Status.Detail}";
            return CliErrors.Report(console, [message], CliErrors.Failed);
        }
    }

    /// <summary>Options every participant verb shares.</summary>
    private sealed class CommonOptions
    {
        public Option<string> Aggregator { get; } = new("--aggregator") { Description = "The aggregator's address, e.g. https://aggregator.example:7443.", Required = true };
        public Option<string> Id { get; } = new("--id") { Description = "This hospital's consortium id.", Required = true };
        public Option<string> Certificate { get; } = new("--cert") { Description = "This hospital's client certificate (PEM).", Required = true };
        public Option<string> Key { get; } = new("--key") { Description = "Its private key (PEM, mode 0600).", Required = true };
        public Option<string> Ca { get; } = new("--ca") { Description = "The consortium CA certificate (PEM).", Required = true };
        public Option<string> State { get; } = new("--state") { Description = "Local state directory (secret share, ledger, progress).", Required = true };
        public Option<bool> Insecure { get; } = new("--allow-insecure-for-tests") { Description = "Accept NOT SECURE test parameters.", Hidden = true };

        public void AddTo(Command command)
        {
            command.Options.Add(Aggregator);
            command.Options.Add(Id);
            command.Options.Add(Certificate);
            command.Options.Add(Key);
            command.Options.Add(Ca);
            command.Options.Add(State);
            command.Options.Add(Insecure);
        }

        public ParticipantClient CreateClient(ParseResult parse, Microsoft.Extensions.Logging.ILoggerFactory log)
        {
            string cert = parse.GetValue(Certificate)!, key = parse.GetValue(Key)!, ca = parse.GetValue(Ca)!;
            foreach (string path in new[] { cert, key, ca })
            {
                if (!File.Exists(path))
                {
                    throw new IOException($"'{path}' does not exist; consortium init writes the certificates under participants/<id>/.");
                }
            }

            if (!Uri.TryCreate(parse.GetValue(Aggregator), UriKind.Absolute, out Uri? address) || address.Scheme != Uri.UriSchemeHttps)
            {
                throw new ArgumentException($"--aggregator '{parse.GetValue(Aggregator)}' must be an https:// address, e.g. https://localhost:7443.");
            }

            using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(cert, key);
            return new ParticipantClient(new ParticipantClientOptions
            {
                Aggregator = address,
                ClientCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null),
                CertificateAuthority = X509Certificate2.CreateFromPem(File.ReadAllText(ca)),
                StateDirectory = parse.GetValue(State)!,
                ParticipantId = parse.GetValue(Id)!,
                AllowInsecureForTests = parse.GetValue(Insecure),
                LoggerFactory = log,
            });
        }
    }
}
