using BenchmarkDotNet.Attributes;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;

namespace SecAgg.Benchmarks.Protocol;

/// <summary>
/// The rest of one protocol-v2 round through the seam, planned preset (BFV), N = 10 (t = 7, c = 1), every site
/// uploading the same update: the aggregator folding the N uploads into one sum per chunk
/// (<see cref="CiphertextScheme.Fold(MaskedUpload, ReadOnlySpan{byte})"/>, each chunk parsed and checked as it is added),
/// one member's shares for every chunk of the checked session (<see cref="MemberSession.Shares"/>: h_j = a_{r,k}·K_j + F_j,
/// a_{r,k} expanded by the member; through a ledger that records nothing, so the durable write is not in the time), the
/// aggregator's combine of every chunk with the t shares (<see cref="CiphertextScheme.Combine"/>, each share checked), and
/// the decode to the mean (<see cref="AggregateDecoder"/>). The key epoch, uploads and approvals are made in the setup.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*RoundSeam*' --job short
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.InProcessShortConfig))]
[MemoryDiagnoser]
public class RoundSeamBenchmarks
{
    private BenchmarkRound _round = null!;
    private EncryptedUpload[] _uploads = null!;
    private MemberSession _member = null!;
    private SetDecryptionSession _session = null!;
    private byte[][] _sums = null!;
    private ReadOnlyMemory<byte>[][] _shares = null!;
    private uint[][] _values = null!;
    private AggregateDecoder _decoder = null!;

    /// <summary>Model size d.</summary>
    [Params(100_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const int parties = 10;
        _round = BenchmarkRound.WithKeyEpoch(parties, Dimension);
        float[] update = [.. Enumerable.Range(0, Dimension).Select(i => (float)Math.Sin(i) * 1e-3f)];
        _uploads = [.. Enumerable.Range(0, parties).Select(i => _round.CreateEncryptor(i).Encrypt(update, 1, Guid.NewGuid()))];
        SignedStatement[] approvals = _round.Approve(_uploads);
        string[] d = _round.Ids[..(int)_round.Descriptor.Threshold];
        _member = _round.OpenMember(0, _uploads, approvals, d);
        _session = _round.Round.CreateSession(_round.Ids, d);
        _sums = FoldRound();
        byte[][][] byMember = [.. d.Select((_, j) =>
        {
            using MemberSession s = _round.OpenMember(j, _uploads, approvals, d);
            return s.Shares().Select(x => x.Share).ToArray();
        })];
        _shares = [.. Enumerable.Range(0, _round.Round.TotalChunks).Select(k => byMember.Select(m => (ReadOnlyMemory<byte>)m[k]).ToArray())];
        _values = Combine();
        _decoder = new AggregateDecoder(_round.Round);
        Console.WriteLine($"// {_round.Preset}; share bytes {_round.Round.Scheme.ShareBytes}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _member.Dispose();
        _round.Dispose();
    }

    /// <summary>The aggregator's fold of the N uploads, every chunk.</summary>
    [Benchmark]
    public byte[][] FoldRound()
    {
        CiphertextScheme scheme = _round.Round.Scheme;
        var sums = new byte[_round.Round.TotalChunks][];
        for (int k = 0; k < sums.Length; k++)
        {
            MaskedUpload sum = scheme.CreateEmptySum();
            foreach (EncryptedUpload upload in _uploads)
            {
                scheme.Fold(sum, upload.Chunks[k]);
            }

            sums[k] = sum.Serialize();
        }

        return sums;
    }

    /// <summary>One member's shares of every chunk.</summary>
    [Benchmark]
    public int MemberShares()
    {
        int bytes = 0;
        foreach ((int _, byte[] share) in _member.Shares())
        {
            bytes += share.Length;
        }

        return bytes;
    }

    /// <summary>The aggregator's combine of every chunk with D's t shares.</summary>
    [Benchmark]
    public uint[][] Combine() =>
        [.. Enumerable.Range(0, _round.Round.TotalChunks).Select(k => _round.Round.Scheme.Combine(_session, k, _sums[k], _shares[k]))];

    /// <summary>The decode of the combined values to the mean of N updates.</summary>
    [Benchmark]
    public float[] DecodeMean() => _decoder.DecodeMean(_values, _uploads.Length);
}
