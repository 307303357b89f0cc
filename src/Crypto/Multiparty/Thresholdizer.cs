using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// t-of-N set-up (Lattigo's Thresholdizer): every party Shamir-shares its s_i over each prime field
/// Z_{q_l} (degree threshold−1, points 1..N), sends share j to party j, and each party sums the N shares
/// it receives into its <see cref="ThresholdSecretShare"/> s'_j = Σ_i f_i(j), a Shamir share of s = Σ s_i.
/// Dealer i fixes f_i through its values rather than its coefficients: the t−1 parties after i (cyclically) get
/// f_i(j) = the expansion of a fresh 32-byte seed, so their share serializes as the seed (
/// <see cref="ShamirShare.Serialize"/>: 54 bytes instead of n·log Q bits), and only the other N−t shares are full
/// polynomials. At N = 20, t = 10 that halves the bytes the aggregator relays (10 of 19 blobs full instead of 19).
/// </summary>
public sealed class Thresholdizer
{
    private readonly MultipartyParameters _p;

    /// <summary>Creates the protocol for <paramref name="parameters"/>.</summary>
    public Thresholdizer(MultipartyParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _p = parameters;
    }

    /// <summary>Deals s_i: returns the N shares, element j−1 for recipient j.</summary>
    public ShamirShare[] GenerateShares(PartySecret secret)
    {
        using Prng prng = Prng.CreateSecure();
        return GenerateShares(secret, prng);
    }

    /// <summary>
    /// Deals s_i with the randomness of <paramref name="prng"/>: seeded from a secret the dealer keeps, the dealing is
    /// reproducible (a restarted participant re-deals the same shares). The seed must be secret, like s_i.
    /// </summary>
    public ShamirShare[] GenerateShares(PartySecret secret, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!secret.Parameters.Digest.Span.SequenceEqual(_p.Digest.Span))
        {
            throw new ArgumentException("The secret was made under different multiparty parameters.", nameof(secret));
        }

        Poly s = secret.CoefficientKeyLevel();
        (ulong[][] raw, byte[]?[] seeds) = ShamirSharing.DealSeeded(
            s.Data, _p.KeyRing.Moduli, _p.RingDegree, _p.Threshold, _p.Parties, secret.PartyId, prng, seed => ShamirShare.ExpandSeed(_p, seed).Data);
        s.Clear();
        var shares = new ShamirShare[_p.Parties];
        for (int j = 0; j < _p.Parties; j++)
        {
            var poly = new Poly(_p.RingDegree, _p.Primes.Count);
            raw[j].CopyTo(poly.Data, 0);
            Array.Clear(raw[j]);
            shares[j] = new ShamirShare(_p, secret.PartyId, j + 1, poly) { Seed = seeds[j] };
        }

        return shares;
    }

    /// <summary>
    /// Sums the shares addressed to <paramref name="ownId"/>: exactly one from every dealer 1..N.
    /// Throws naming the dealers that are missing or duplicated.
    /// </summary>
    public ThresholdSecretShare AggregateShares(int ownId, IReadOnlyList<ShamirShare> received)
    {
        ArgumentNullException.ThrowIfNull(received);
        PartySecret.CheckPartyId(_p, ownId, nameof(ownId));
        var seen = new HashSet<int>();
        Poly sum = _p.KeyRing.NewPoly();
        foreach (ShamirShare sh in received)
        {
            if (!sh.Parameters.Digest.Span.SequenceEqual(_p.Digest.Span))
            {
                throw new ArgumentException($"The share from dealer {sh.DealerId} was made under different parameters.", nameof(received));
            }

            if (sh.RecipientId != ownId)
            {
                throw new ArgumentException($"The share from dealer {sh.DealerId} is addressed to party {sh.RecipientId}, not {ownId}.", nameof(received));
            }

            if (!seen.Add(sh.DealerId))
            {
                throw new ArgumentException($"Dealer {sh.DealerId} sent two shares.", nameof(received));
            }

            _p.KeyRing.AddLimbs(sum, sh.Value, sum);
        }

        if (seen.Count != _p.Parties)
        {
            int[] missing = Enumerable.Range(1, _p.Parties).Except(seen).ToArray();
            throw new ArgumentException($"Shares from dealer(s) {string.Join(", ", missing)} are missing; all {_p.Parties} are needed.", nameof(received));
        }

        return new ThresholdSecretShare(_p, ownId, sum);
    }
}
