using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// One protocol-v2 decryption session (docs/threat-model.md, "Session check"): key epoch, round r, chunk count, the
/// uploaders U whose uploads are summed (party ids, sorted, any non-empty subset of at most K) and the decryption set D
/// (party ids, sorted, exactly t). Its <see cref="Digest"/> is the value a member's <see cref="IDecryptionLedger"/>
/// records for each (epoch, round, chunk) it answers.
/// <para>Digest = SHA-256("secagg/v2/decryption-session" ‖ parameter digest (32) ‖ epoch (u64 LE) ‖ round (u64 LE) ‖
/// chunk count (u32 LE) ‖ |U| (u32 LE) ‖ U (u32 LE each) ‖ |D| (u32 LE) ‖ D (u32 LE each)).</para>
/// </summary>
public sealed class SetDecryptionSession
{
    private static readonly byte[] Label = "secagg/v2/decryption-session"u8.ToArray();
    private readonly int[] _uploaders;
    private readonly int[] _decryptors;
    private readonly byte[] _digest;

    /// <summary>Checks and fixes a session.</summary>
    /// <exception cref="ArgumentException">U is empty, larger than K, or names a party twice or outside 1..N; D does not
    /// have exactly t distinct members in 1..N; the chunk count is below 1.</exception>
    public SetDecryptionSession(AggregationParameters parameters, ulong epoch, ulong round, int chunkCount, IEnumerable<int> uploaders, IEnumerable<int> decryptors)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(uploaders);
        ArgumentNullException.ThrowIfNull(decryptors);
        if (chunkCount < 1)
        {
            throw new ArgumentException($"The chunk count {chunkCount} must be at least 1.", nameof(chunkCount));
        }

        _uploaders = CheckSet(parameters, uploaders, "uploader set U", nameof(uploaders));
        if (_uploaders.Length > parameters.MaxSummands)
        {
            throw new ArgumentException($"The uploader set U has {_uploaders.Length} members; the parameters decrypt sums of at most K = {parameters.MaxSummands}.", nameof(uploaders));
        }

        _decryptors = CheckSet(parameters, decryptors, "decryption set D", nameof(decryptors));
        if (_decryptors.Length != parameters.Threshold)
        {
            throw new ArgumentException($"The decryption set D has {_decryptors.Length} members; it must have exactly t = {parameters.Threshold}.", nameof(decryptors));
        }

        Parameters = parameters;
        Epoch = epoch;
        Round = round;
        ChunkCount = chunkCount;
        _digest = ComputeDigest();
    }

    /// <summary>The parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>The key epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>The round r.</summary>
    public ulong Round { get; }

    /// <summary>Chunks of the round (0..ChunkCount − 1).</summary>
    public int ChunkCount { get; }

    /// <summary>U, sorted.</summary>
    public IReadOnlyList<int> Uploaders => _uploaders;

    /// <summary>D, sorted.</summary>
    public IReadOnlyList<int> Decryptors => _decryptors;

    /// <summary>The session digest (32 bytes).</summary>
    public ReadOnlyMemory<byte> Digest => _digest;

    /// <summary>Throws unless <paramref name="chunk"/> is in 0..ChunkCount − 1.</summary>
    internal void CheckChunk(int chunk, string paramName)
    {
        if (chunk < 0 || chunk >= ChunkCount)
        {
            throw new ArgumentOutOfRangeException(paramName, chunk, $"The session has chunks 0..{ChunkCount - 1}.");
        }
    }

    private static int[] CheckSet(AggregationParameters p, IEnumerable<int> ids, string what, string paramName)
    {
        int[] set = [.. ids];
        Array.Sort(set);
        if (set.Length == 0)
        {
            throw new ArgumentException($"The {what} is empty.", paramName);
        }

        for (int i = 0; i < set.Length; i++)
        {
            if (set[i] < 1 || set[i] > p.Parties)
            {
                throw new ArgumentException($"The {what} names party {set[i]}, outside 1..{p.Parties}.", paramName);
            }

            if (i > 0 && set[i] == set[i - 1])
            {
                throw new ArgumentException($"The {what} names party {set[i]} twice.", paramName);
            }
        }

        return set;
    }

    private byte[] ComputeDigest()
    {
        var buf = new byte[Label.Length + 32 + 8 + 8 + 4 + 4 + (4 * _uploaders.Length) + 4 + (4 * _decryptors.Length)];
        Label.CopyTo(buf, 0);
        int pos = Label.Length;
        Parameters.Digest.Span.CopyTo(buf.AsSpan(pos));
        pos += 32;
        BinaryPrimitives.WriteUInt64LittleEndian(buf.AsSpan(pos), Epoch);
        BinaryPrimitives.WriteUInt64LittleEndian(buf.AsSpan(pos + 8), Round);
        BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(pos + 16), ChunkCount);
        pos += 20;
        foreach (int[] set in new[] { _uploaders, _decryptors })
        {
            BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(pos), set.Length);
            pos += 4;
            foreach (int id in set)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(pos), id);
                pos += 4;
            }
        }

        return SHA256.HashData(buf);
    }
}
