using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Collective decryption as a key switch to the zero key (Lattigo's KeySwitchProtocol with a zero
/// output key): member j sends h_j = c1·s_j + e_flood,j where s_j is its <see cref="DecryptionSecret"/>
/// and e_flood,j has σ_flood = 2^(λ/2)·B_ct (<see cref="NoiseFlooding"/>, B_ct the ciphertext's tracked
/// bound); the shares are summed; <see cref="Finalize"/> computes c0 + Σ h_j = Δ'm + E + Σ e_flood,j
/// (mod q') and decodes. The set and the ciphertext are fixed per share: mixing sets or ciphertexts,
/// or finalizing with a member missing, throws.
/// <para>
/// Never call <see cref="GenerateShare(DecryptionSecret, CompactCiphertext, DecryptionShare)"/> twice for the same ciphertext: use
/// <see cref="DecryptionShareGuard"/>, which returns the first share's bytes for a repeated request.
/// </para>
/// </summary>
public sealed class DecryptionShareProtocol
{
    private readonly MultipartyParameters _p;
    private readonly PackedEncoder _encoder;

    /// <summary>Creates the protocol for <paramref name="parameters"/>.</summary>
    public DecryptionShareProtocol(MultipartyParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _p = parameters;
        _encoder = new PackedEncoder(parameters);
    }

    /// <summary>An empty share.</summary>
    public DecryptionShare AllocateShare() => new(_p, _p.WireRing.NewPoly(), [], [], new byte[DecryptionShare.DigestBytes]);

    /// <summary>The flooding σ this protocol adds for <paramref name="ciphertext"/>: 2^(λ/2)·B_ct.</summary>
    public double FloodingSigma(CompactCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        return NoiseFlooding.Sigma(ciphertext.NoiseBound, _p.FloodingLambda);
    }

    /// <summary>share = c1·s_j + e_flood (noise-aware flooding).</summary>
    public void GenerateShare(DecryptionSecret secret, CompactCiphertext ciphertext, DecryptionShare share)
    {
        using Prng prng = Prng.CreateSecure();
        GenerateShare(secret, ciphertext, share, prng);
    }

    internal void GenerateShare(DecryptionSecret secret, CompactCiphertext ciphertext, DecryptionShare share, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(share);
        Check(secret.Parameters, nameof(secret));
        Check(ciphertext.Parameters, nameof(ciphertext));
        Check(share.Parameters, nameof(share));
        RingQ ring = _p.WireRing;
        MultiplyBySecret(ring, ciphertext.C1.Clone(), secret, share.Value);

        NoiseFlooding.AddTo(ring, prng, FloodingSigma(ciphertext), NoiseFlooding.MaxSigma, share.Value);

        share.ActiveSetIds = secret.ActiveSetIds;
        share.ContributorIds = [secret.PartyId];
        share.CiphertextDigest = ciphertext.ShareDigest()[..DecryptionShare.DigestBytes];
    }

    /// <summary>result = a + b, for the same ciphertext and set, with disjoint contributors. An empty share is a neutral element.</summary>
    public void AggregateShares(DecryptionShare a, DecryptionShare b, DecryptionShare result)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(result);
        Check(a.Parameters, nameof(a));
        Check(b.Parameters, nameof(b));
        Check(result.Parameters, nameof(result));
        Aggregate(_p, a, b, result);
    }

    /// <summary>
    /// Decrypts: c0 + Σ h_j, then round(t·x/q') mod t, split into slots. Returns the exact slot sums
    /// (each &lt; 2^(b+h)); reduce mod 2^b for the wrapped sum. Throws <see cref="InvalidOperationException"/>
    /// naming the missing members if the aggregate lacks any member of the set.
    /// </summary>
    public ulong[] Finalize(CompactCiphertext ciphertext, DecryptionShare aggregate)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(aggregate);
        Check(ciphertext.Parameters, nameof(ciphertext));
        Check(aggregate.Parameters, nameof(aggregate));
        CheckComplete(aggregate, ciphertext.ShareDigest().AsSpan(0, DecryptionShare.DigestBytes));
        Poly x = _p.WireRing.NewPoly();
        _p.WireRing.AddLimbs(ciphertext.C0, aggregate.Value, x);
        return _encoder.Decode(x);
    }

    /// <summary>Decrypts and reduces each slot mod 2^b (the wrapped sum of the DDG mechanism).</summary>
    public uint[] FinalizeWrapped(CompactCiphertext ciphertext, DecryptionShare aggregate)
    {
        ulong[] sums = Finalize(ciphertext, aggregate);
        ulong mask = _p.ValueBits == 32 ? uint.MaxValue : (1UL << _p.ValueBits) - 1;
        var r = new uint[sums.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (uint)(sums[i] & mask);
        }

        return r;
    }

    /// <summary>Shared by the BFV and CKKS protocols: result = c1·s_j (coefficient form) over result's limbs;
    /// <paramref name="c1Copy"/> (coefficient form, a scratch copy) is wiped.</summary>
    internal static void MultiplyBySecret(RingQ ring, Poly c1Copy, DecryptionSecret secret, Poly result)
    {
        ring.Ntt(c1Copy);
        ring.MulCoeffs(c1Copy, secret.NttWire, result);
        ring.InverseNtt(result);
        c1Copy.Clear();
    }

    /// <summary>Shared by the BFV and CKKS protocols: result = a + b after checking that both are for the same set and
    /// ciphertext with disjoint contributors (an empty share is neutral).</summary>
    internal static void Aggregate(MultipartyParameters p, DecryptionShare a, DecryptionShare b, DecryptionShare result)
    {
        DecryptionShare reference = a.ContributorIds.Length > 0 ? a : b;
        DecryptionShare other = ReferenceEquals(reference, a) ? b : a;
        if (other.ContributorIds.Length > 0)
        {
            if (!reference.ActiveSetIds.SequenceEqual(other.ActiveSetIds))
            {
                throw new ArgumentException("The shares were made for different decryption sets; a set is fixed once per ciphertext.", nameof(b));
            }

            if (!reference.CiphertextDigest.AsSpan().SequenceEqual(other.CiphertextDigest))
            {
                throw new ArgumentException("The shares were made for different ciphertexts.", nameof(b));
            }

            int[] overlap = reference.ContributorIds.Intersect(other.ContributorIds).ToArray();
            if (overlap.Length > 0)
            {
                throw new ArgumentException($"Member {overlap[0]}'s decryption share would be counted twice.", nameof(b));
            }
        }

        int[] set = reference.ActiveSetIds;
        int[] union = a.ContributorIds.Concat(b.ContributorIds).Order().ToArray();
        byte[] digest = reference.CiphertextDigest;
        p.WireRing.AddLimbs(a.Value, b.Value, result.Value);
        result.ActiveSetIds = set;
        result.ContributorIds = union;
        result.CiphertextDigest = digest;
    }

    /// <summary>Shared by the BFV and CKKS protocols: throws unless every member of the set contributed to
    /// <paramref name="aggregate"/> and it was made for the ciphertext with share digest <paramref name="digest"/>.</summary>
    internal static void CheckComplete(DecryptionShare aggregate, ReadOnlySpan<byte> digest)
    {
        if (aggregate.ContributorIds.Length == 0)
        {
            throw new InvalidOperationException("No decryption share has been aggregated.");
        }

        int[] missing = aggregate.ActiveSetIds.Except(aggregate.ContributorIds).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"Decryption share(s) from member(s) {string.Join(", ", missing)} of the decryption set {{{string.Join(", ", aggregate.ActiveSetIds)}}} are missing; the set is fixed for this ciphertext, so abort and use fresh ciphertexts.");
        }

        if (!aggregate.CiphertextDigest.AsSpan().SequenceEqual(digest))
        {
            throw new ArgumentException("The decryption shares were made for a different ciphertext.", nameof(aggregate));
        }
    }

    private void Check(MultipartyParameters p, string name) => _p.CheckSameAs(p, name);
}
