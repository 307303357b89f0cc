using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Collective public key generation (Lattigo's PublicKeyGenProtocol): each party i publishes
/// p_i = −a·s_i + e_i (e_i a discrete Gaussian, σ = 3.2, |e| ≤ 19); the shares are summed; with all N
/// shares in, pk = (Σ p_i, a). The key's error Σ e_i is bounded by 19·N per coefficient.
/// </summary>
public sealed class PublicKeyGenProtocol
{
    private readonly MultipartyParameters _parameters;

    /// <summary>Creates the protocol for <paramref name="parameters"/>.</summary>
    public PublicKeyGenProtocol(MultipartyParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
    }

    /// <summary>A zero share with no contributors.</summary>
    public PublicKeyShare AllocateShare() => new(_parameters, _parameters.KeyRing.NewPoly(), []);

    /// <summary>share = −a·s_i + e_i. Call once per key epoch.</summary>
    public void GenerateShare(PartySecret secret, CommonReferencePolynomial crp, PublicKeyShare share)
    {
        using Prng prng = Prng.CreateSecure();
        GenerateShare(secret, crp, share, prng);
    }

    internal void GenerateShare(PartySecret secret, CommonReferencePolynomial crp, PublicKeyShare share, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(crp);
        ArgumentNullException.ThrowIfNull(share);
        CheckParameters(secret.Parameters, nameof(secret));
        CheckParameters(crp.Parameters, nameof(crp));
        CheckParameters(share.Parameters, nameof(share));
        RingQ ring = _parameters.KeyRing;
        var e = new long[ring.N];
        DiscreteGaussianSampler.StandardError.Sample(prng, e);
        Poly ep = ring.NewPoly();
        ring.FromSigned(e, ep);
        ring.Ntt(ep);
        ring.MulCoeffs(crp.A, secret.NttKeyLevel, share.Value);
        ring.Sub(ep, share.Value, share.Value);
        share.ContributorIds = [secret.PartyId];
        Array.Clear(e);
        ep.Clear();
    }

    /// <summary>result = a + b; the contributor sets must be disjoint. <paramref name="result"/> may alias an input.</summary>
    public void AggregateShares(PublicKeyShare a, PublicKeyShare b, PublicKeyShare result)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(result);
        CheckParameters(a.Parameters, nameof(a));
        CheckParameters(b.Parameters, nameof(b));
        CheckParameters(result.Parameters, nameof(result));
        int[] overlap = a.ContributorIds.Intersect(b.ContributorIds).ToArray();
        if (overlap.Length > 0)
        {
            throw new ArgumentException($"Party {overlap[0]}'s public key share would be counted twice.", nameof(b));
        }

        int[] union = a.ContributorIds.Concat(b.ContributorIds).Order().ToArray();
        _parameters.KeyRing.AddLimbs(a.Value, b.Value, result.Value);
        result.ContributorIds = union;
    }

    /// <summary>pk = (aggregate, a). Throws unless all N parties contributed.</summary>
    public CollectivePublicKey Finalize(PublicKeyShare aggregate, CommonReferencePolynomial crp)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        ArgumentNullException.ThrowIfNull(crp);
        CheckParameters(aggregate.Parameters, nameof(aggregate));
        CheckParameters(crp.Parameters, nameof(crp));
        if (aggregate.ContributorIds.Length != _parameters.Parties)
        {
            int[] missing = Enumerable.Range(1, _parameters.Parties).Except(aggregate.ContributorIds).ToArray();
            throw new InvalidOperationException($"The collective public key needs all {_parameters.Parties} shares; missing parties: {string.Join(", ", missing)}.");
        }

        return new CollectivePublicKey(_parameters, aggregate.Value.Clone(), crp.A.Clone());
    }

    private void CheckParameters(MultipartyParameters p, string name)
    {
        if (!ReferenceEquals(p, _parameters) && !p.Digest.Span.SequenceEqual(_parameters.Digest.Span))
        {
            throw new ArgumentException("The object was made under different multiparty parameters.", name);
        }
    }
}
