using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Approval;

namespace SecAgg.Protocol;

/// <summary>
/// A decryption session a member checked and prepared (<see cref="MemberDecryption.Open"/>): it answers chunk k with
/// h_j = a_{r,k}·K_j + F_j (a_{r,k} derived by the member from the epoch seed; nothing comes from the aggregator but the
/// request), through the member's ledger, so each (epoch, round, chunk) gets exactly one share (derived from the keys,
/// the session and the chunk: a repeated request gets the same bytes), its answer recorded before it is
/// returned. A share is about n·log q/8 bytes (2.8 MB at N = 10, b = 16): stream them with <see cref="Shares"/>.
/// Dispose to wipe K_j. Not thread-safe.
/// </summary>
public sealed class MemberSession : IDisposable
{
    private readonly SetDecryptionProtocol _protocol;
    private readonly SessionKeyShare _key;
    private readonly IDecryptionLedger _ledger;
    private readonly byte[] _epochSeed;

    internal MemberSession(DecryptionSession checkedSession, SetDecryptionSession session, SetDecryptionProtocol protocol, SessionKeyShare key, IDecryptionLedger ledger, ReadOnlyMemory<byte> epochSeed)
    {
        Checked = checkedSession;
        Session = session;
        _protocol = protocol;
        _key = key;
        _ledger = ledger;
        _epochSeed = epochSeed.ToArray();
    }

    /// <summary>The verified session: U's commitments, U and D as party ids, the list digest.</summary>
    public DecryptionSession Checked { get; }

    /// <summary>The crypto layer's session (its digest is what the ledger and every share carry).</summary>
    public SetDecryptionSession Session { get; }

    /// <summary>Chunks to answer: 0..ChunkCount − 1.</summary>
    public int ChunkCount => Session.ChunkCount;

    /// <summary>Bytes of one serialized share.</summary>
    public int ShareBytes => Session.Parameters.ShareBytes;

    /// <summary>The serialized share for chunk <paramref name="chunk"/> (DecryptionShare.share), its answer recorded in the ledger first.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk is outside the session.</exception>
    /// <exception cref="ShareAlreadyIssuedException">The ledger holds another session for the (epoch, round) (e.g. another process answered).</exception>
    /// <exception cref="ShareBudgetExhaustedException">The epoch's share cap is reached.</exception>
    public byte[] Share(int chunk)
    {
        using RoundPolynomial a = Expand(chunk);
        return _protocol.GetOrCreateShare(_ledger, _key, a);
    }

    /// <summary>As <see cref="Share(int)"/>, written into <paramref name="destination"/> (at least <see cref="ShareBytes"/>
    /// long: a buffer kept from one chunk or round to the next); returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The destination is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The chunk is outside the session.</exception>
    /// <exception cref="ShareAlreadyIssuedException">The ledger holds another session for the (epoch, round).</exception>
    /// <exception cref="ShareBudgetExhaustedException">The epoch's share cap is reached.</exception>
    public int Share(int chunk, Span<byte> destination)
    {
        using RoundPolynomial a = Expand(chunk);
        return _protocol.GetOrCreateShare(_ledger, _key, a, destination);
    }

    /// <summary>The shares of chunks <paramref name="firstChunk"/>..ChunkCount − 1, one at a time (each computed when enumerated).</summary>
    public IEnumerable<(int Chunk, byte[] Share)> Shares(int firstChunk = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstChunk);
        for (int k = firstChunk; k < ChunkCount; k++)
        {
            yield return (k, Share(k));
        }
    }

    private RoundPolynomial Expand(int chunk)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chunk, ChunkCount);
        return RoundPolynomial.Expand(Session.Parameters, _epochSeed, Session.Round, chunk);
    }

    /// <summary>Wipes K_j.</summary>
    public void Dispose() => _key.Dispose();
}
