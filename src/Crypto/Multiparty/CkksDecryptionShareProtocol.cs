using System.Security.Cryptography;
using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Serialization;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Collective (N-of-N or t-of-N) decryption of a CKKS ciphertext, shaped like <see cref="DecryptionShareProtocol"/>
/// and using the same <see cref="DecryptionSecret"/> (from <see cref="DecryptionSecret.ForAllParties"/> or a
/// <see cref="Combiner"/>) and <see cref="DecryptionShare"/> objects: at the decryption level ℓ =
/// <see cref="MultipartyParameters.WireLimbCount"/>, member j sends h_j = c1·s_j + e_flood,j; the shares are summed;
/// <see cref="Finalize"/> returns the plaintext c0 + Σ h_j = m + e + Σ e_flood,j.
/// <para>
/// Noise flooding (Li–Micciancio, eprint 2020/1533: a decrypted CKKS result reveals its noise, hence the key):
/// σ_flood = 2^(λ/2)·B_ct with B_ct = <see cref="CkksElement.NoiseBound"/>, every member adds the full σ (see
/// <see cref="NoiseFlooding"/> for the argument). Precision lost: the plaintext's noise bound becomes
/// B_ct + T·⌊12·σ_flood⌋ for T members, so its <see cref="CkksElement.SlotErrorBound"/> grows by about
/// n·T·12·2^(λ/2)·B_ct/Δ — about λ/2 + log2(12·n·T) bits of the scale. <see cref="PredictSlotErrorBound"/> gives it
/// before any share is made.
/// </para>
/// <para>Never generate two shares for the same ciphertext (same c1) with different sets.</para>
/// </summary>
public sealed class CkksDecryptionShareProtocol
{
    private readonly MultipartyParameters _p;
    private readonly CkksParameters _ckks;

    /// <summary>Creates the protocol; <paramref name="parameters"/> must come from
    /// <see cref="MultipartyParameters.ForCkks"/> for <paramref name="ckks"/>.</summary>
    public CkksDecryptionShareProtocol(MultipartyParameters parameters, CkksParameters ckks)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(ckks);
        parameters.CheckCkks(ckks, nameof(parameters));
        _p = parameters;
        _ckks = ckks;
    }

    /// <summary>An empty share.</summary>
    public DecryptionShare AllocateShare() => new(_p, _p.WireRing.NewPoly(), [], [], new byte[DecryptionShare.DigestBytes]);

    /// <summary>
    /// The flooding σ every member adds for <paramref name="ciphertext"/>: 2^(λ/2)·B_ct, where B_ct is the larger of
    /// the ciphertext's claimed <see cref="CkksElement.NoiseBound"/> and what its <see cref="CkksCiphertext.SummandCount"/>
    /// fresh encryptions under the N-party collective key imply (K·(n·19·N + 19 + n·19·N)), so an aggregator cannot
    /// shrink the flooding by understating the bound (check the count with the guard's expectedSummands).
    /// </summary>
    public double FloodingSigma(CkksCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        double implied = Ckks.Internal.ErrorModel.Mul(Math.Max(ciphertext.SummandCount, 1), Ckks.Internal.ErrorModel.FreshPublicKeyNoise(_ckks.N, _p.Parties, 19.0 * _p.Parties));
        return NoiseFlooding.Sigma(Math.Max(ciphertext.NoiseBound, implied), _p.FloodingLambda);
    }

    /// <summary>The noise bound the decrypted plaintext will carry with <paramref name="members"/> members flooding:
    /// B_ct + T·⌊12·σ_flood⌋.</summary>
    public double DecryptedNoiseBound(CkksCiphertext ciphertext, int members)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(members);
        return Ckks.Internal.ErrorModel.Add(ciphertext.NoiseBound, Ckks.Internal.ErrorModel.Mul(members, NoiseFlooding.PerPartyBound(FloodingSigma(ciphertext))));
    }

    /// <summary>The <see cref="CkksElement.SlotErrorBound"/> that threshold decryption of
    /// <paramref name="ciphertext"/> by <paramref name="members"/> members will have (flooding included).</summary>
    public double PredictSlotErrorBound(CkksCiphertext ciphertext, int members)
    {
        double noise = DecryptedNoiseBound(ciphertext, members);
        return Ckks.Internal.ErrorModel.SlotError(_ckks.N, ciphertext.Scale, ciphertext.EncodingErrorBound, noise, ciphertext.MessageBound);
    }

    /// <summary>share = c1·s_j + e_flood at the decryption level (noise-aware flooding, OS CSPRNG).</summary>
    public void GenerateShare(DecryptionSecret secret, CkksCiphertext ciphertext, DecryptionShare share)
    {
        using Prng prng = Prng.CreateSecure();
        GenerateShare(secret, ciphertext, share, prng);
    }

    internal void GenerateShare(DecryptionSecret secret, CkksCiphertext ciphertext, DecryptionShare share, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(share);
        _p.CheckSameAs(secret.Parameters, nameof(secret));
        _p.CheckSameAs(share.Parameters, nameof(share));
        CheckCiphertext(ciphertext);
        RingQ ring = _ckks.Ring;
        DecryptionShareProtocol.MultiplyBySecret(ring, ciphertext.C1.CloneLimbs(_p.WireLimbCount), secret, share.Value);
        NoiseFlooding.AddTo(ring, prng, FloodingSigma(ciphertext), MultipartyParameters.CkksMaxFloodingSigma, share.Value);
        share.ActiveSetIds = secret.ActiveSetIds;
        share.ContributorIds = [secret.PartyId];
        share.CiphertextDigest = ShareDigest(ciphertext)[..DecryptionShare.DigestBytes];
    }

    /// <summary>result = a + b, for the same ciphertext and set, with disjoint contributors. An empty share is neutral.</summary>
    public void AggregateShares(DecryptionShare a, DecryptionShare b, DecryptionShare result)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(result);
        _p.CheckSameAs(a.Parameters, nameof(a));
        _p.CheckSameAs(b.Parameters, nameof(b));
        _p.CheckSameAs(result.Parameters, nameof(result));
        DecryptionShareProtocol.Aggregate(_p, a, b, result);
    }

    /// <summary>
    /// The decrypted plaintext c0 + Σ h_j at the decryption level, carrying noise bound B_ct + T·⌊12σ_flood⌋ (T = the
    /// set's size), so that its <see cref="CkksElement.SlotErrorBound"/> includes the flooding; decode it with
    /// <see cref="CkksEncoder"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A member of the set is missing (names them).</exception>
    /// <exception cref="CkksOverflowException">Message + noise + flooding reach q_ℓ/2.</exception>
    public CkksPlaintext Finalize(CkksCiphertext ciphertext, DecryptionShare aggregate)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(aggregate);
        _p.CheckSameAs(aggregate.Parameters, nameof(aggregate));
        CheckCiphertext(ciphertext);
        DecryptionShareProtocol.CheckComplete(aggregate, ShareDigest(ciphertext).AsSpan(0, DecryptionShare.DigestBytes));
        double noise = DecryptedNoiseBound(ciphertext, aggregate.ActiveSetIds.Length);
        double total = Ckks.Internal.ErrorModel.Add(ciphertext.MessageBound, noise);
        if (!(total < (double)_p.WireModulus / 2 * (1 - Math.ScaleB(1.0, -40))))
        {
            throw new CkksOverflowException(
                $"Threshold decryption would be incorrect: message bound + noise + flooding = 2^{Math.Log2(total):F1} reach q_ℓ/2 = 2^{Math.Log2((double)_p.WireModulus / 2):F1}. Encode smaller values or a smaller scale, or keep more limbs for decryption.");
        }

        Poly phase = ciphertext.C0.CloneLimbs(_p.WireLimbCount);
        _ckks.Ring.AddLimbs(phase, aggregate.Value, phase);
        return new CkksPlaintext(_ckks, phase, ciphertext.Scale, ciphertext.MessageBound, ciphertext.EncodingErrorBound, noise);
    }

    /// <summary>SHA-256("SecAgg.Ckks.ShareDigest.v1" ‖ parameter digest ‖ bit-packed c1 at the decryption level): a
    /// share depends only on c1, so two requests with the same c1 are the same request.</summary>
    public byte[] ShareDigest(CkksCiphertext ciphertext)
    {
        CheckCiphertext(ciphertext);
        RingQ ring = _ckks.Ring;
        Poly c1 = ciphertext.LimbCount == _p.WireLimbCount ? ciphertext.C1 : ciphertext.C1.CloneLimbs(_p.WireLimbCount);
        var bytes = new byte[PolyCodec.GetSize(ring, _p.WireLimbCount)];
        PolyCodec.Write(ring, [c1], bytes);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData("SecAgg.Ckks.ShareDigest.v1"u8);
        sha.AppendData(_p.Digest.Span);
        sha.AppendData(bytes);
        return sha.GetHashAndReset();
    }

    private void CheckCiphertext(CkksCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        _ckks.CheckSame(ciphertext.Parameters, nameof(ciphertext));
        if (ciphertext.LimbCount < _p.WireLimbCount)
        {
            throw new ArgumentException($"The ciphertext has {ciphertext.LimbCount} limbs; decryption shares are taken at {_p.WireLimbCount}.", nameof(ciphertext));
        }
    }
}
