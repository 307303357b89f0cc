// End-to-end load run of the real stack (issue 6): consortium init in a temp folder, AggregatorHost (embedded SQLite,
// loopback mutual TLS), N ParticipantClients that join the key epoch (protocol v2: commit/reveal + sealed Shamir dealing),
// then one round: every participant submits a d-parameter masked update concurrently (encrypt + stream), all approve the
// upload list, the decryption set answers the decryption request, the model is published.
// The aggregator's own OpenTelemetry counters (meter SecAgg.Aggregator) time the ingest window server-side:
// first ciphertext byte received -> last upload counted. Memory is sampled every 20 ms. Each client talks through a
// GatedProxy that holds its upload until every participant has encrypted, so (a) encryption and (b) upload are
// measured separately.
// Usage: dotnet run -c Release --project perf/SecAgg.LoadTest -- --participants 20 --dimension 1000000 [--out perf/results]
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.LoadTest;
using SecAgg.Participant.Client;
using SecAgg.Participant.Tensors;
using SecAgg.Quantize.Ddg;

int participants = 20, dimension = 1_000_000;
bool separate = false, joinOnly = false;
string outDir = Path.Combine("perf", "results");
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--participants": participants = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--dimension": dimension = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--out": outDir = args[++i]; break;
        case "--aggregator-process": separate = true; break;
        case "--join-only": joinOnly = true; break;
        default: Console.Error.WriteLine("usage: [--participants N (>=2)] [--dimension d] [--out folder] [--aggregator-process] [--join-only]"); return 2;
    }
}

if (participants < 2 || dimension < 1)
{
    Console.Error.WriteLine("--participants must be >= 2 and --dimension >= 1");
    return 2;
}

string root = Path.Combine(Path.GetTempPath(), $"secagg-load-{Guid.NewGuid():N}");
Directory.CreateDirectory(root);
var total = Stopwatch.StartNew();
var process = Process.GetCurrentProcess();

// Server-side counters.
long bytesReceived = 0, uploadsCounted = 0;
long firstByteTicks = 0, lastByteTicks = 0, lastCountedTicks = 0;
using var listener = new MeterListener();
listener.InstrumentPublished = (inst, l) =>
{
    if (inst.Meter.Name == AggregatorMetrics.MeterName
        && inst.Name is "secagg.aggregator.bytes_received" or "secagg.aggregator.uploads_counted" or "secagg.aggregator.ingest.validate" or "secagg.aggregator.ingest.stage" or "secagg.aggregator.ingest.count")
    {
        l.EnableMeasurementEvents(inst);
    }
};
bool collecting = false;
listener.SetMeasurementEventCallback<long>((inst, value, _, _) =>
{
    long now = Stopwatch.GetTimestamp();
    if (!Volatile.Read(ref collecting))
    {
        return;
    }

    if (inst.Name == "secagg.aggregator.bytes_received")
    {
        Interlocked.CompareExchange(ref firstByteTicks, now, 0);
        Interlocked.Add(ref bytesReceived, value);
        Volatile.Write(ref lastByteTicks, now);
    }
    else
    {
        Interlocked.Add(ref uploadsCounted, value);
        Volatile.Write(ref lastCountedTicks, now);
    }
});
// Server-side profile of the upload path (in-process mode only): summed seconds per phase, and how many.
var profile = new System.Collections.Concurrent.ConcurrentDictionary<string, (double Seconds, int Count)>();
listener.SetMeasurementEventCallback<double>((inst, value, _, _) =>
{
    if (Volatile.Read(ref collecting))
    {
        profile.AddOrUpdate(inst.Name["secagg.aggregator.ingest.".Length..], (value, 1), (_, old) => (old.Seconds + value, old.Count + 1));
    }
});
listener.Start();

// Memory sampler.
long peakWorkingSet = 0, peakManaged = 0;
Process? serverForSampling = null;
using var samplerStop = new CancellationTokenSource();
Task sampler = Task.Run(async () =>
{
    while (!samplerStop.IsCancellationRequested)
    {
        Process? sampled = Volatile.Read(ref serverForSampling);
        if (sampled is not null)
        {
            try
            {
                sampled.Refresh();
                peakWorkingSet = Math.Max(peakWorkingSet, sampled.WorkingSet64);
            }
            catch (InvalidOperationException)
            {
            }
        }
        else
        {
            process.Refresh();
            peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
            peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
        }
        try { await Task.Delay(20, samplerStop.Token); } catch (OperationCanceledException) { }
    }
});

string[] ids = [.. Enumerable.Range(1, participants).Select(i => $"hospital-{i}")];
ConsortiumLayout files = ConsortiumInitializer.InitializeDemoKeys(new ConsortiumInitOptions(
    Path.Combine(root, "consortium"), "load-test", ids, Math.Max(2, participants / 2), participants, ["localhost"], dimension, Rounds: 1));
var layout = new TensorLayout([new TensorSpec("w", [dimension])]);
AggregatorHost? host = null;
Process? server = null;
Uri address;
if (separate)
{
    // The aggregator as its own process (`secagg aggregator serve`), so its memory is measured alone (VmHWM).
    string modelPath = Path.Combine(root, "w.npy");
    NpyFormat.Write(modelPath, new NamedTensor("w", [dimension], new float[dimension]));
    int port;
    using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
    {
        probe.Start();
        port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "secagg"))
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    foreach (string a in (string[])["aggregator", "serve", "--consortium", files.ConsortiumFile, "--cert", files.AggregatorCertificate, "--key", files.AggregatorKey,
        "--model", modelPath, "--listen", $"127.0.0.1:{port}", "--rounds", "1"])
    {
        psi.ArgumentList.Add(a);
    }

    server = Process.Start(psi)!;
    server.OutputDataReceived += (_, _) => { };
    server.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"[aggregator] {e.Data}"); } };
    server.BeginOutputReadLine();
    server.BeginErrorReadLine();
    for (int tries = 0; ; tries++)
    {
        try
        {
            using var c = new System.Net.Sockets.TcpClient();
            await c.ConnectAsync(System.Net.IPAddress.Loopback, port);
            break;
        }
        catch (System.Net.Sockets.SocketException) when (tries < 600 && !server.HasExited)
        {
            await Task.Delay(100);
        }
    }

    address = new Uri($"https://localhost:{port}/");
    Volatile.Write(ref serverForSampling, server);
}
else
{
    host = await AggregatorHost.StartAsync(new AggregatorHostOptions
    {
        ConfigPath = files.ConsortiumFile,
        ServerCertificate = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey),
        ModelLayout = layout,
        Rounds = 1,
        TickInterval = TimeSpan.FromMilliseconds(50),
    }, CancellationToken.None);
    address = host.Address;
}

X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCertificate));
X509Certificate2 SiteCertificate(string id) => AggregatorHostOptions.LoadCertificate(files.Participants[id].Certificate, files.Participants[id].Key!);
ParticipantClient[] clients = new ParticipantClient[participants];
GatedProxy[] proxies = [.. ids.Select((id, i) => new GatedProxy(address, () => clients[i].State.LoadProgress(1) is not null))];
clients = [.. ids.Select((id, i) => new ParticipantClient(new ParticipantClientOptions
{
    Aggregator = proxies[i].Address(address),
    ClientCertificate = SiteCertificate(id),
    ConsortiumFile = files.ConsortiumFile,
    StateDirectory = Path.Combine(root, "state", id),
    ParticipantId = id,
    PollInterval = TimeSpan.FromMilliseconds(50),
}))];
// Clients, relays, then the aggregator (in-process host or child process): the one teardown both exits use.
async Task StopEverythingAsync()
{
    foreach (ParticipantClient c in clients)
    {
        c.Dispose();
    }

    foreach (GatedProxy p in proxies)
    {
        await p.DisposeAsync();
    }

    if (host is not null)
    {
        await host.DisposeAsync();
    }

    if (server is not null)
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
        server.Dispose();
    }
}

var phase = Stopwatch.StartNew();
await Task.WhenAll(clients.Select(c => c.JoinAsync()));
TimeSpan join = phase.Elapsed;
Console.WriteLine($"join (key epoch, {participants} participants): {join.TotalSeconds:0.00} s");
if (joinOnly)
{
    await StopEverythingAsync();
    samplerStop.Cancel();
    await sampler;
    try { Directory.Delete(root, true); } catch (IOException) { }
    return 0;
}

float[][] updates = [.. Enumerable.Range(0, participants).Select(p =>
{
    float[] u = new float[dimension];
    var rng = new Random(p + 1); // benchmark data, not a secret
    for (int j = 0; j < u.Length; j++)
    {
        u[j] = (float)((rng.NextDouble() - 0.5) * 2e-3 / Math.Sqrt(dimension));
    }

    return u;
})];

// (a) Encrypt phase: every participant quantizes, adds noise and encrypts concurrently; its proxy holds the upload.
var encryptedAt = new double[participants];
long submitStart = Stopwatch.GetTimestamp();
Task<SubmitResult>[] submits = [.. clients.Select((c, i) => c.SubmitAsync(updates[i], 1, 1))];
Task[] held = [.. proxies.Select(async (p, i) =>
{
    while (!p.Holding)
    {
        if (submits[i].IsCompleted)
        {
            await submits[i]; // surfaces the failure
            throw new InvalidOperationException($"{ids[i]} uploaded without being held by its proxy.");
        }

        await Task.Delay(5);
    }

    encryptedAt[i] = Stopwatch.GetElapsedTime(submitStart).TotalSeconds;
})];
await Task.WhenAll(held);
double encryptPhase = Stopwatch.GetElapsedTime(submitStart).TotalSeconds;

// (b) Upload phase: release every held upload at once.
GC.Collect();
peakWorkingSet = 0;
peakManaged = 0;
Volatile.Write(ref collecting, true);
long uploadStart = Stopwatch.GetTimestamp();
foreach (GatedProxy p in proxies)
{
    p.Release();
}

SubmitResult[] submitted = await Task.WhenAll(submits);
long submitEnd = Stopwatch.GetTimestamp();
long uploadPeakWs = peakWorkingSet, uploadPeakManaged = peakManaged;
Volatile.Write(ref collecting, false);
long approveStart = Stopwatch.GetTimestamp();
foreach (RoundAnswer approval in await Task.WhenAll(clients.Select(c => c.ApproveAsync(1))))
{
    if (!approval.Done)
    {
        throw new InvalidOperationException($"A participant did not approve round 1: {approval.Detail}");
    }
}

double approveSeconds = Stopwatch.GetElapsedTime(approveStart).TotalSeconds;
await Task.WhenAll(clients.Select(c => c.AnswerDecryptionAsync(1)));
ulong version = await clients[0].WaitForPublicationAsync(1);
GlobalModel model = await clients[0].FetchGlobalModelAsync(version);
TimeSpan round = Stopwatch.GetElapsedTime(submitStart);
samplerStop.Cancel();
await sampler;

string? serverStatus = server is null ? null : File.ReadAllText($"/proc/{server.Id}/status");
double serverVmHwmMb = serverStatus is null ? 0 : double.Parse(serverStatus.Split('\n').First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024 / 1e6;
if (server is not null)
{
    // Server-side counters live in the other process: count the clients' bytes, and time release -> last acknowledgement.
    bytesReceived = submitted.Sum(s => s.BytesSent);
    firstByteTicks = uploadStart;
    lastCountedTicks = submitEnd;
}

double ciphertextMb = bytesReceived / 1e6;
double ingestSeconds = Stopwatch.GetElapsedTime(firstByteTicks, lastCountedTicks).TotalSeconds;
double plaintextMb = (double)participants * dimension * sizeof(float) / 1e6;
double baselineSeconds = (await PlaintextBaseline.RunAsync(
    AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey), ca,
    [.. ids.Select(SiteCertificate)],
    [.. updates.Select(u => System.Runtime.InteropServices.MemoryMarshal.AsBytes(u.AsSpan()).ToArray())])).TotalSeconds;
double baselineMBps = plaintextMb / baselineSeconds;
var result = new
{
    participants,
    dimension,
    machine = new
    {
        cpu = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() : null,
        cores = Environment.ProcessorCount,
        runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
    },
    joinSeconds = join.TotalSeconds,
    encryptPhaseSeconds = encryptPhase,
    perParticipantEncryptSecondsConcurrent = new { min = encryptedAt.Min(), max = encryptedAt.Max() },
    uploadPhaseSeconds = Stopwatch.GetElapsedTime(uploadStart, submitEnd).TotalSeconds,
    releaseToFirstByteSeconds = Stopwatch.GetElapsedTime(uploadStart, firstByteTicks).TotalSeconds,
    ciphertextBytesReceived = bytesReceived,
    ciphertextBytesSentByClients = submitted.Sum(s => s.BytesSent),
    chunksPerParticipant = submitted[0].Chunks,
    uploadsCounted,
    ingestSeconds,
    ingestMBps = ciphertextMb / ingestSeconds,
    plaintextFloat32Bytes = (long)(plaintextMb * 1e6),
    expansion = bytesReceived / (plaintextMb * 1e6),
    plaintextEquivalentMBps = plaintextMb / ingestSeconds,
    plaintextBaselineSeconds = baselineSeconds,
    plaintextBaselineMBps = baselineMBps,
    secureOverPlaintextTime = ingestSeconds / baselineSeconds,
    peakWorkingSetMBDuringUpload = uploadPeakWs / 1e6,
    peakManagedMBDuringUpload = uploadPeakManaged / 1e6,
    peakWorkingSetMBWholeRound = peakWorkingSet / 1e6,
    processPeakWorkingSetMB = Process.GetCurrentProcess().PeakWorkingSet64 / 1e6,
    aggregatorProcess = separate,
    aggregatorVmHwmMB = serverVmHwmMb,
    approveSeconds,
    roundLatencySeconds = round.TotalSeconds,
    publishedModelVersion = version,
    publishedModelLength = model.Values.Length,
    totalSeconds = total.Elapsed.TotalSeconds,
    ingestProfileSeconds = profile.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => new { seconds = kv.Value.Seconds, count = kv.Value.Count }),
    note = separate
        ? "Aggregator in its own process (secagg aggregator serve): working-set figures and VmHWM are the aggregator's alone; managed heap is not sampled; ingest timed client-side (release -> last acknowledgement)."
        : "Aggregator and participants run in one process: memory figures are the whole process (upper bound for the aggregator); ingest timed by the aggregator's own metrics.",
};
await StopEverythingAsync();

string json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
Console.WriteLine(json);
Directory.CreateDirectory(outDir);
string stem = Path.Combine(outDir, $"load-n{participants}-d{dimension}{(separate ? "-process" : "")}");
File.WriteAllText(stem + ".json", json);
File.WriteAllText(stem + ".md", string.Create(CultureInfo.InvariantCulture, $"""
# Load run: {participants} participants x {dimension} parameters

Machine: {result.machine.cpu}, {result.machine.cores} cores, {result.machine.runtime}, {result.machine.os}.
Command: `dotnet run -c Release --project perf/SecAgg.LoadTest -- --participants {participants} --dimension {dimension}{(separate ? " --aggregator-process" : "")}`

| figure | value |
|---|---|
| join (key epoch, all participants) | {join.TotalSeconds:0.00} s |
| (a) encrypt phase, all {participants} concurrently (quantize + DDG noise + masked encrypt under the own key + signed commitment + store) | {encryptPhase:0.00} s (first done {result.perParticipantEncryptSecondsConcurrent.min:0.00} s) |
| (b) upload phase (release -> every upload acknowledged) | {result.uploadPhaseSeconds:0.00} s |
| ciphertext received by aggregator | {ciphertextMb:0.0} MB ({result.chunksPerParticipant} chunks/participant, {result.expansion:0.0}x float32) |
| ingest window (first byte -> last upload counted) | {ingestSeconds:0.00} s |
| aggregator ingest throughput | {result.ingestMBps:0.0} MB/s ciphertext ({result.plaintextEquivalentMBps:0.00} MB/s float32-equivalent) |
| plaintext baseline: same float32 bytes, same participants, raw mutual-TLS loopback sink | {baselineSeconds:0.00} s = {baselineMBps:0.0} MB/s |
| secure upload time / plaintext baseline time | {result.secureOverPlaintextTime:0.0}x |
| peak working set / managed heap during upload | {uploadPeakWs / 1e6:0} MB / {uploadPeakManaged / 1e6:0} MB |
| peak working set whole round (sampled) | {peakWorkingSet / 1e6:0} MB |
| aggregator process VmHWM (separate-process mode only) | {serverVmHwmMb:0} MB |
| approvals (every participant signs the verified upload list) | {approveSeconds:0.00} s |
| round latency (submit start -> published model fetched, includes the encrypt phase) | {round.TotalSeconds:0.00} s |
| published model | version {version}, {model.Values.Length} values |
| server-side ingest profile (in-process mode; summed over concurrent calls) | {(profile.IsEmpty ? "n/a" : string.Join(", ", profile.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value.Seconds:0.00} s / {kv.Value.Count}")))} |

{result.note}
"""));
try { Directory.Delete(root, true); } catch (IOException) { }
return 0;
