using System.Globalization;
using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Member j's key for one <see cref="SetDecryptionSession"/>: K_j = λ_j^D·Σ_{i∈U} f_i(j) in NTT form (with its Shoup
/// companions), λ_j^D = Π_{m∈D, m≠j} m/(m − j) mod q_l, computed once per session by
/// <see cref="SetDecryptionProtocol.PrepareSession"/> and used for every chunk. Since Σ_{j∈D} λ_j^D·f_i(j) = f_i(0) =
/// NTT(s_i), Σ_{j∈D} K_j = NTT(Σ_{i∈U} s_i). Secret: <see cref="Dispose"/> wipes it.
/// <para>It also holds the session's flooding seed σ_j = HMAC-SHA256(k_j, "secagg/v2/flooding" ‖ session digest), k_j
/// the member's flooding key (<see cref="ThresholdKeyShares"/>: derived from its own f_j(j)): chunk k's flooding F_j is
/// drawn from the AES-CTR stream of HMAC-SHA256(σ_j, "secagg/v2/flooding/chunk/k") (<see cref="FloodingStream"/>). A
/// share is therefore a function of (keys, session, chunk): answering the same request twice gives the same bytes, so
/// the member's ledger records only which session each chunk answered (no share bytes), and noise cannot be averaged
/// over repeated answers. The session digest covers the epoch, round, chunk count, U and D, so every other session or
/// chunk gets independent flooding (pseudo-randomly: HMAC-SHA256 and AES as PRFs, keyed by a secret only j holds).</para>
/// </summary>
public sealed class SessionKeyShare : IDisposable
{
    private readonly Poly _key;
    private readonly Poly _keyShoup;
    private readonly byte[] _floodingSeed;
    private bool _disposed;

    internal SessionKeyShare(SetDecryptionSession session, int partyId, Poly key, Poly keyShoup, byte[] floodingSeed)
    {
        Session = session;
        PartyId = partyId;
        _key = key;
        _keyShoup = keyShoup;
        _floodingSeed = floodingSeed;
        FloodingLog2Sigma = session.Parameters.FloodingLog2Sigma(session.Uploaders.Count);
    }

    private static ReadOnlySpan<byte> FloodingLabel => "secagg/v2/flooding"u8;

    /// <summary>The session.</summary>
    public SetDecryptionSession Session { get; }

    /// <summary>The member j.</summary>
    public int PartyId { get; }

    /// <summary>log2 σ_flood(|U|) of the session's shares (computed once per session).</summary>
    internal int FloodingLog2Sigma { get; }

    internal Poly KeyNtt
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    internal Poly KeyShoup
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _keyShoup;
        }
    }

    /// <summary>The flooding stream of chunk <paramref name="chunk"/>: AES-CTR keyed by HMAC-SHA256(σ_j,
    /// "secagg/v2/flooding/chunk/k") (the class summary). Secret; the caller disposes it.</summary>
    internal Prng FloodingStream(int chunk)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Session.CheckChunk(chunk, nameof(chunk));
        return Prng.FromSeed(_floodingSeed, string.Create(CultureInfo.InvariantCulture, $"secagg/v2/flooding/chunk/{chunk}"));
    }

    /// <summary>Wipes the key and the flooding seed (the key's buffers go back to the pool wiped).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_floodingSeed);
        PolyPool.Return(_key);
        PolyPool.Return(_keyShoup);
    }

    /// <summary>K_j for member <paramref name="mine"/>.PartyId ∈ D.</summary>
    internal static SessionKeyShare Create(ThresholdKeyShares mine, SetDecryptionSession session)
    {
        AggregationParameters p = session.Parameters;
        RingQ ring = p.Ring;
        int index = session.Decryptors.ToList().IndexOf(mine.PartyId);
        if (index < 0)
        {
            throw new ArgumentException($"Party {mine.PartyId} is not in the session's decryption set D = {{{string.Join(", ", session.Decryptors)}}}.", nameof(mine));
        }

        ulong[] lambda = ShamirSharing.LagrangeAtZero(session.Decryptors, ring.Moduli)[index];
        // One dealer's share expanded at a time into one scratch buffer: never |U| polynomials alive. When U holds most
        // parties, the kept total T_j minus the dealers outside U (U = everyone: T_j alone).
        Poly key = PolyPool.Rent(ring);
        key.IsNtt = true;
        Poly share = PolyPool.Rent(ring);
        try
        {
            int outside = p.Parties - session.Uploaders.Count;
            if (outside < session.Uploaders.Count && mine.TryCopyTotalTo(key))
            {
                for (int i = 1; i <= p.Parties; i++)
                {
                    if (!session.Uploaders.Contains(i))
                    {
                        mine.CopyShareTo(i, share);
                        ring.Subtract(key, share, key);
                    }
                }
            }
            else
            {
                foreach (int i in session.Uploaders)
                {
                    mine.CopyShareTo(i, share);
                    ring.Add(key, share, key);
                }
            }
        }
        finally
        {
            PolyPool.Return(share);
        }

        ring.MulScalarPerLimb(key, lambda, key);
        Poly shoup = PolyPool.Rent(ring); // a kept row set, not a fresh 8·n·L bytes per session
        ring.ComputeShoup(key, shoup);
        return new SessionKeyShare(session, mine.PartyId, key, shoup, FloodingSeed(mine, session));
    }

    /// <summary>σ_j = HMAC-SHA256(k_j, "secagg/v2/flooding" ‖ session digest) (the class summary).</summary>
    private static byte[] FloodingSeed(ThresholdKeyShares mine, SetDecryptionSession session)
    {
        Span<byte> memberKey = stackalloc byte[32];
        Span<byte> message = stackalloc byte[FloodingLabel.Length + 32];
        FloodingLabel.CopyTo(message);
        session.Digest.Span.CopyTo(message[FloodingLabel.Length..]);
        var seed = new byte[32];
        try
        {
            mine.DeriveFloodingKey(memberKey);
            HMACSHA256.HashData(memberKey, message, seed);
            return seed;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(memberKey);
        }
    }
}
