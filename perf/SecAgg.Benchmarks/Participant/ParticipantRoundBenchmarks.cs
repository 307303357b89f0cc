using BenchmarkDotNet.Attributes;
using SecAgg.Benchmarks.Protocol;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Protocol.Epoch;

namespace SecAgg.Benchmarks.Participant;

/// <summary>
/// What one participant process computes per round of protocol v2 besides the network (issue 17), at N = 10
/// (t = 7, c = 1; the planned preset), d = 10^6, with site 1's real epoch keys from a whole in-memory key epoch:
/// <list type="bullet">
/// <item><see cref="LoadKeys"/>: reading its epoch key file's bytes (<see cref="EpochKeys.Deserialize"/>, done twice a
/// round: for the upload and for the decryption session) and wiping them;</item>
/// <item><see cref="LoadKeysAndPrepareSession"/>: the same plus K_j = λ_j·Σ_{i∈U} f_i(j) for U = all, D = the first t
/// (<see cref="SetDecryptionProtocol.PrepareSession"/>);</item>
/// <item><see cref="ReadSharesAndPrepareSession"/> and <see cref="ReadSharesWithoutTotalAndPrepareSession"/>: K_j from
/// the kept total T_j, and from shares written before it existed (each dealer's share expanded and summed);</item>
/// <item><see cref="NewEncryptorAndEncrypt"/>: a round's <see cref="UpdateEncryptor"/> made afresh (as the client does
/// each round: DDG encoder and its exact sampler for σ_int) and the whole upload, chunks on all cores.</item>
/// </list>
/// Allocated bytes (MemoryDiagnoser) are the churn figure; times are wall-clock on a shared machine.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*ParticipantRound*'
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.InProcessShortConfig))]
[MemoryDiagnoser]
public class ParticipantRoundBenchmarks
{
    private BenchmarkRound _round = null!;
    private byte[] _keyFile = null!;
    private byte[] _shares = null!;
    private byte[] _sharesWithoutTotal = null!;
    private SetDecryptionSession _session = null!;
    private float[] _update = null!;

    /// <summary>Model size d.</summary>
    [Params(1_000_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _round = BenchmarkRound.WithKeyEpoch(10, Dimension);
        _keyFile = _round.Keys[0].Serialize();
        _shares = _round.Keys[0].Shares.Serialize();
        _sharesWithoutTotal = _shares[..^(1 + _round.Preset.Aggregation.PolyBytes)];
        AggregationParameters p = _round.Preset.Aggregation;
        _session = new SetDecryptionSession(p, _round.Round.KeyEpochId, _round.Round.Round, _round.Round.TotalChunks, Enumerable.Range(1, p.Parties), Enumerable.Range(1, p.Threshold));
        _update = [.. Enumerable.Range(0, Dimension).Select(i => (float)Math.Sin(i) * 1e-3f)];
        Console.WriteLine($"// n = {p.RingDegree}, primes = {p.Primes.Count}, t = {p.Threshold}, chunks = {_round.Round.TotalChunks}, key file = {_keyFile.Length} bytes");
    }

    private int PrepareFrom(byte[] bytes)
    {
        using ThresholdKeyShares shares = ThresholdKeyShares.Deserialize(_round.Preset.Aggregation, bytes);
        using SessionKeyShare key = new SetDecryptionProtocol(_round.Preset.Aggregation).PrepareSession(shares, _session);
        return key.PartyId;
    }

    [GlobalCleanup]
    public void Cleanup() => _round.Dispose();

    [Benchmark]
    public ulong LoadKeys()
    {
        using EpochKeys keys = EpochKeys.Deserialize(_round.Preset.Aggregation, _round.Ids[0], _round.Round.KeyEpochId, _keyFile);
        return keys.Epoch;
    }

    [Benchmark]
    public int LoadKeysAndPrepareSession()
    {
        using EpochKeys keys = EpochKeys.Deserialize(_round.Preset.Aggregation, _round.Ids[0], _round.Round.KeyEpochId, _keyFile);
        using SessionKeyShare key = new SetDecryptionProtocol(_round.Preset.Aggregation).PrepareSession(keys.Shares, _session);
        return key.PartyId;
    }

    /// <summary>The Shamir shares read from their bytes and K_j prepared from the kept total T_j (U = everyone).</summary>
    [Benchmark]
    public int ReadSharesAndPrepareSession() => PrepareFrom(_shares);

    /// <summary>The same from bytes written before the total existed: every dealer's share expanded and summed (the
    /// baseline in the same run).</summary>
    [Benchmark]
    public int ReadSharesWithoutTotalAndPrepareSession() => PrepareFrom(_sharesWithoutTotal);

    [Benchmark]
    public EncryptedUpload NewEncryptorAndEncrypt()
    {
        UpdateEncryptor encryptor = _round.CreateEncryptor();
        return encryptor.Encrypt(_update, 1, Guid.NewGuid());
    }
}
