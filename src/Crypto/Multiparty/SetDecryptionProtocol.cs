using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Set-bound threshold decryption of protocol v2 (docs/threat-model.md, "Share" and "Combine"), Lattigo-shaped:
/// <list type="bullet">
/// <item>member j ∈ D, once per session: K_j = λ_j^D·Σ_{i∈U} f_i(j) (<see cref="PrepareSession"/>);</item>
/// <item>per chunk k: <b>h_j = a_{r,k}·K_j + NTT(F_j)</b>, F_j ← D_{Z,σ_flood(|U|)}^n on the session key's secret
/// AES-CTR stream for chunk k (<see cref="GenerateShare(SessionKeyShare, RoundPolynomial, SetDecryptionShare)"/>: the
/// same request gives the same bytes; through the member's ledger: <see cref="GetOrCreateShare(IDecryptionLedger, SessionKeyShare, RoundPolynomial)"/>);</item>
/// <item>the aggregator: Σ_{j∈D} h_j (<see cref="AggregateShares"/>), then x = Σ_{i∈U} c0_i + Σ_{j∈D} h_j =
/// Σ_{i∈U}(e_i + Encode(M_i)) + Σ_j F_j (since Σ_{j∈D} λ_j f_i(j) = NTT(s_i)), decoded by the codec
/// (<see cref="Finalize(SetDecryptionSession, MaskedUpload, SetDecryptionShare)"/>).</item>
/// </list>
/// A share depends only on (epoch seed, r, k, U, D) and the member's key shares, never on a ciphertext the aggregator
/// supplies: the only upload combination it unmasks is Σ_{i∈U} c0_i of that round and chunk (any other leaves a·s_h of an
/// honest h, an RLWE sample). Noise: B_U + |D|·13·σ_flood(|U|) (<see cref="AggregationParameters"/>).
/// </summary>
public sealed class SetDecryptionProtocol
{
    private readonly AggregationParameters _p;
    private IAggregationCodec? _codec;

    /// <summary>Creates the protocol for <paramref name="parameters"/>.</summary>
    public SetDecryptionProtocol(AggregationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _p = parameters;
    }

    /// <summary>An empty share (no contributors), to generate or aggregate into.</summary>
    public SetDecryptionShare AllocateShare()
    {
        Poly value = _p.Ring.NewPoly();
        value.IsNtt = true;
        return new SetDecryptionShare(_p, value, new byte[32], 0, []);
    }

    /// <summary>Member j's session key K_j = λ_j^D·Σ_{i∈U} f_i(j), once per session (the caller disposes it).</summary>
    /// <exception cref="ArgumentException">j is not in D, or other parameters.</exception>
    public SessionKeyShare PrepareSession(ThresholdKeyShares mine, SetDecryptionSession session)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(session);
        _p.CheckSame(mine.Parameters, nameof(mine));
        _p.CheckSame(session.Parameters, nameof(session));
        return SessionKeyShare.Create(mine, session);
    }

    /// <summary>share = h_j = a_{r,k}·K_j + NTT(F_j) for the chunk k of <paramref name="a"/>, F_j drawn from
    /// <paramref name="key"/>'s flooding stream of chunk k (<see cref="SessionKeyShare"/>): a function of (keys, session,
    /// chunk), so a repeated request gives the same bytes and never fresh noise. A member answers through
    /// <see cref="GetOrCreateShare(IDecryptionLedger, SessionKeyShare, RoundPolynomial)"/>, which first records the answer in its ledger (one session per round, Q_cap).</summary>
    /// <exception cref="ArgumentException"><paramref name="a"/> is for another round, or a chunk outside the session.</exception>
    public void GenerateShare(SessionKeyShare key, RoundPolynomial a, SetDecryptionShare share)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(a);
        key.Session.CheckChunk(a.Chunk, nameof(a));
        using Prng prng = key.FloodingStream(a.Chunk);
        GenerateShare(key, a, share, prng);
    }

    internal void GenerateShare(SessionKeyShare key, RoundPolynomial a, SetDecryptionShare share, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(share);
        SetDecryptionSession session = key.Session;
        _p.CheckSame(session.Parameters, nameof(key));
        _p.CheckSame(a.Parameters, nameof(a));
        _p.CheckSame(share.Parameters, nameof(share));
        if (a.Round != session.Round)
        {
            throw new ArgumentException($"The round polynomial is for round {a.Round}; the session decrypts round {session.Round}.", nameof(a));
        }

        session.CheckChunk(a.Chunk, nameof(a));
        RingQ ring = _p.Ring;
        // d_j = a ⊙ K_j, a limb at a time: each limb of a is expanded into the share's own limb and multiplied in place
        // (no whole a beside the share).
        Poly d = share.Value;
        using (RoundPolynomial.LimbReader limbs = a.OpenLimbs())
        {
            for (int l = 0; l < d.LimbCount; l++)
            {
                Span<ulong> row = d.Limb(l);
                limbs.Next(row);
                ring.MulShoupLimb(row, key.KeyNtt.Limb(l), key.KeyShoup.Limb(l), row, ring.Moduli[l].Value);
            }
        }

        d.IsNtt = true;
        Poly scratch = PolyPool.Rent(ring);
        try
        {
            StatisticalFlooding.AddNtt(ring, prng, key.FloodingLog2Sigma, share.Value, scratch);
        }
        finally
        {
            PolyPool.Return(scratch);
        }

        share.SessionDigestBytes = session.Digest.ToArray();
        share.Chunk = a.Chunk;
        share.ContributorIds = [key.PartyId];
    }

    /// <summary>
    /// The member's entry point: the serialized share for the chunk of <paramref name="a"/>, computed only after
    /// <paramref name="ledger"/> durably recorded that this session answers the chunk (or found that record from an
    /// earlier answer: the share is then derived again, the same bytes). A chunk whose version-1 record holds share bytes
    /// (answered before shares were derived, with fresh noise) gets those bytes. Run
    /// <see cref="IDecryptionLedger.CheckSession"/> before the first chunk.
    /// </summary>
    /// <exception cref="ShareAlreadyIssuedException">The ledger holds another session for this (epoch, round).</exception>
    /// <exception cref="ShareBudgetExhaustedException">The epoch's share cap is reached.</exception>
    public byte[] GetOrCreateShare(IDecryptionLedger ledger, SessionKeyShare key, RoundPolynomial a)
    {
        if (Recorded(ledger, key, a) is { } recorded)
        {
            return recorded;
        }

        var bytes = new byte[_p.ShareBytes];
        SerializeShare(key, a, bytes);
        return bytes;
    }

    /// <summary>As <see cref="GetOrCreateShare(IDecryptionLedger, SessionKeyShare, RoundPolynomial)"/>, the share written
    /// into <paramref name="destination"/> (at least <see cref="AggregationParameters.ShareBytes"/> long, e.g. a buffer
    /// kept from one round to the next); returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The destination is too short.</exception>
    /// <exception cref="ShareAlreadyIssuedException">The ledger holds another session for this (epoch, round).</exception>
    /// <exception cref="ShareBudgetExhaustedException">The epoch's share cap is reached.</exception>
    public int GetOrCreateShare(IDecryptionLedger ledger, SessionKeyShare key, RoundPolynomial a, Span<byte> destination)
    {
        if (destination.Length < _p.ShareBytes)
        {
            throw new ArgumentException($"A share takes {_p.ShareBytes} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        if (Recorded(ledger, key, a) is { } recorded)
        {
            recorded.CopyTo(destination);
            return recorded.Length;
        }

        return SerializeShare(key, a, destination);
    }

    /// <summary>The argument checks, then the ledger's record of the answer (a version-1 entry's bytes, or null).</summary>
    private static byte[]? Recorded(IDecryptionLedger ledger, SessionKeyShare key, RoundPolynomial a)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(a);
        key.Session.CheckChunk(a.Chunk, nameof(a));
        return ledger.Record(key.Session, a.Chunk);
    }

    /// <summary>Generates the share into a pooled polynomial (wiped and given back once serialized) and serializes it.</summary>
    private int SerializeShare(SessionKeyShare key, RoundPolynomial a, Span<byte> destination)
    {
        Poly value = PolyPool.Rent(_p.Ring);
        try
        {
            value.IsNtt = true;
            var share = new SetDecryptionShare(_p, value, new byte[32], 0, []);
            GenerateShare(key, a, share);
            return share.Serialize(destination);
        }
        finally
        {
            PolyPool.Return(value);
        }
    }

    /// <summary>result = a + b for the same session and chunk with disjoint contributors; an empty share is neutral.</summary>
    /// <exception cref="ArgumentException">Different sessions or chunks, or a member counted twice.</exception>
    public void AggregateShares(SetDecryptionShare a, SetDecryptionShare b, SetDecryptionShare result)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(result);
        _p.CheckSame(a.Parameters, nameof(a));
        _p.CheckSame(b.Parameters, nameof(b));
        _p.CheckSame(result.Parameters, nameof(result));
        SetDecryptionShare reference = a.ContributorIds.Length > 0 ? a : b;
        SetDecryptionShare other = ReferenceEquals(reference, a) ? b : a;
        if (other.ContributorIds.Length > 0)
        {
            CheckJoinable(reference, other.SessionDigestBytes, other.Chunk, other.ContributorIds, nameof(b));
        }

        byte[] digest = reference.SessionDigestBytes;
        int chunk = reference.Chunk;
        int[] contributors = [.. a.ContributorIds.Concat(b.ContributorIds).Order()];
        _p.Ring.Add(a.Value, b.Value, result.Value);
        result.SessionDigestBytes = digest;
        result.Chunk = chunk;
        result.ContributorIds = contributors;
    }

    /// <summary>
    /// aggregate += the serialized share <paramref name="share"/>, decoded straight into the aggregate's value (no share
    /// is materialised), with the checks of <see cref="AggregateShares"/> (same session and chunk, disjoint
    /// contributors) and of <see cref="SetDecryptionShare.Deserialize"/>. When it fails the aggregate is unchanged.
    /// Returns the added share's header.
    /// </summary>
    /// <exception cref="InvalidDataException">The share is malformed.</exception>
    /// <exception cref="ArgumentException">Another session or chunk, or a member counted twice.</exception>
    public SetDecryptionShareHeader AggregateShare(SetDecryptionShare aggregate, ReadOnlySpan<byte> share)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        _p.CheckSame(aggregate.Parameters, nameof(aggregate));
        SetDecryptionShareHeader header = SetDecryptionShare.ReadHeader(_p, share);
        if (aggregate.ContributorIds.Length > 0)
        {
            CheckJoinable(aggregate, header.SessionDigest.Span, header.Chunk, header.Contributors, nameof(share));
        }

        aggregate.AddValue(share, header);
        return header;
    }

    /// <summary>A share (session digest, chunk, contributors) may join <paramref name="reference"/>: same session, same chunk, no member twice.</summary>
    private static void CheckJoinable(SetDecryptionShare reference, ReadOnlySpan<byte> digest, int chunk, IEnumerable<int> contributors, string parameter)
    {
        if (!reference.SessionDigestBytes.AsSpan().SequenceEqual(digest))
        {
            throw new ArgumentException("The shares were made for different decryption sessions.", parameter);
        }

        if (reference.Chunk != chunk)
        {
            throw new ArgumentException($"The shares are for chunks {reference.Chunk} and {chunk}.", parameter);
        }

        int[] overlap = [.. reference.ContributorIds.Intersect(contributors)];
        if (overlap.Length > 0)
        {
            throw new ArgumentException($"Member {overlap[0]}'s decryption share would be counted twice.", parameter);
        }
    }

    /// <summary>Decrypts Σ_{i∈U} c0_i with the aggregated shares of D: the sums of the uploads' values mod 2^b.</summary>
    /// <exception cref="InvalidOperationException">A member of D is missing, the sum's summand count is not |U|, or
    /// (CKKS) the tracked error bound reaches 1/2; the message names what is wrong.</exception>
    /// <exception cref="ArgumentException">The shares were made for another session or by a party outside D.</exception>
    public uint[] Finalize(SetDecryptionSession session, MaskedUpload sum, SetDecryptionShare aggregate)
    {
        var values = new uint[_p.ValuesPerChunk];
        Finalize(session, sum, aggregate, values);
        return values;
    }

    /// <summary>As <see cref="Finalize(SetDecryptionSession, MaskedUpload, SetDecryptionShare)"/>, into the first
    /// destination.Length (≤ values per chunk) sums.</summary>
    public void Finalize(SetDecryptionSession session, MaskedUpload sum, SetDecryptionShare aggregate, Span<uint> destination)
    {
        ArgumentNullException.ThrowIfNull(sum);
        CheckFinalize(session, aggregate, destination);
        _p.CheckSame(sum.Parameters, nameof(sum));
        CheckComplete(session, sum.SummandCount, aggregate);
        Poly x = PolyPool.Rent(_p.Ring); // the decrypted sum with its noise: scratch, wiped when it goes back
        try
        {
            _p.Ring.Add(sum.C0, aggregate.Value, x);
            Decode(session, x, destination);
        }
        finally
        {
            PolyPool.Return(x);
        }
    }

    /// <summary>As <see cref="Finalize(SetDecryptionSession, MaskedUpload, SetDecryptionShare, Span{uint})"/> with the
    /// sum as its bytes (<see cref="MaskedUpload.Serialize()"/>'s), checked as <see cref="MaskedUpload.Deserialize"/>
    /// checks them and decoded straight onto a pooled copy of the aggregate: no polynomial is allocated.</summary>
    /// <exception cref="InvalidDataException">The sum's bytes are malformed.</exception>
    public void Finalize(SetDecryptionSession session, ReadOnlySpan<byte> sum, SetDecryptionShare aggregate, Span<uint> destination)
    {
        CheckFinalize(session, aggregate, destination);
        Poly x = PolyPool.Rent(_p.Ring);
        try
        {
            aggregate.Value.CopyTo(x);
            var total = new MaskedUpload(_p, x, 0);
            total.AddInplace(sum); // x = Σ_{j∈D} h_j + Σ_{i∈U} c0_i, every residue of the sum checked
            CheckComplete(session, total.SummandCount, aggregate);
            Decode(session, x, destination);
        }
        finally
        {
            PolyPool.Return(x);
        }
    }

    private void CheckFinalize(SetDecryptionSession session, SetDecryptionShare aggregate, Span<uint> destination)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(aggregate);
        _p.CheckSame(session.Parameters, nameof(session));
        _p.CheckSame(aggregate.Parameters, nameof(aggregate));
        if (destination.Length > _p.ValuesPerChunk)
        {
            throw new ArgumentException($"A chunk carries {_p.ValuesPerChunk} values; the destination has {destination.Length}.", nameof(destination));
        }
    }

    /// <summary>x (NTT form) = Σ e_i + Encode(M_i) + Σ F_j → the sums mod 2^b.</summary>
    private void Decode(SetDecryptionSession session, Poly x, Span<uint> destination)
    {
        _p.Ring.InverseNtt(x, x);
        _codec ??= _p.CreateCodec();
        _codec.Decode(x, session.Uploaders.Count, session.Decryptors.Count, destination);
    }

    private static void CheckComplete(SetDecryptionSession session, int summands, SetDecryptionShare aggregate)
    {
        if (aggregate.ContributorIds.Length == 0)
        {
            throw new InvalidOperationException("No decryption share has been aggregated.");
        }

        if (!aggregate.SessionDigestBytes.AsSpan().SequenceEqual(session.Digest.Span))
        {
            throw new ArgumentException("The decryption shares were made for another session (different epoch, round, uploader set, decryption set or chunk count).", nameof(aggregate));
        }

        int[] outsiders = [.. aggregate.ContributorIds.Except(session.Decryptors)];
        if (outsiders.Length > 0)
        {
            throw new ArgumentException($"Party {outsiders[0]} is not in the decryption set D = {{{string.Join(", ", session.Decryptors)}}}.", nameof(aggregate));
        }

        int[] missing = [.. session.Decryptors.Except(aggregate.ContributorIds)];
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"Decryption share(s) from member(s) {string.Join(", ", missing)} of the decryption set D = {{{string.Join(", ", session.Decryptors)}}} are missing; the set is fixed for the session, so the round must be aborted.");
        }

        if (summands != session.Uploaders.Count)
        {
            throw new InvalidOperationException(
                $"The sum holds {summands} uploads but the session's uploader set U has {session.Uploaders.Count}: only the sum of exactly U's uploads decrypts.");
        }
    }
}
