using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// t-of-N dealing of protocol v2 (docs/threat-model.md, "Key epoch" item 5; always, also for t = N), Lattigo's
/// Thresholdizer's shape: dealer i Shamir-shares NTT(s_i) over every prime field Z_{q_l} with a polynomial of degree t − 1
/// at the points 1..N (<see cref="GenerateShares(KeyShareSecret)"/>), sends share j to party j in its envelope, and
/// party j keeps the N shares it receives, one per dealer, separately (<see cref="AggregateShares"/> →
/// <see cref="ThresholdKeyShares"/>): a decryption session needs Σ_{i∈U} f_i(j) for the session's U, not Σ over all.
/// <para>
/// Seeded dealing: the t − 1 parties after the dealer (cyclically) receive a fresh 32-byte seed whose uniform
/// expansion is their share, and the polynomial is fixed through those values and NTT(s_i) at 0; uniform independent
/// values at t − 1 nonzero points are exactly as distributed as uniform coefficients, so any t − 1 shares are uniform
/// and independent of s_i.
/// </para>
/// </summary>
public sealed class KeyShareDealer
{
    private readonly AggregationParameters _p;

    /// <summary>Creates the dealer for <paramref name="parameters"/>.</summary>
    public KeyShareDealer(AggregationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _p = parameters;
    }

    /// <summary>Deals s_i: returns N shares, element j − 1 for recipient j (the dealer's own included), drawing the
    /// seeds from the OS CSPRNG.</summary>
    public DealtKeyShare[] GenerateShares(KeyShareSecret secret)
    {
        using Prng prng = Prng.CreateSecure();
        return GenerateShares(secret, prng);
    }

    /// <summary>Deals s_i with seeds from <paramref name="prng"/> (a secret stream, e.g. keyed by a 0600 dealing seed so
    /// that a restart re-deals identical shares).</summary>
    public DealtKeyShare[] GenerateShares(KeyShareSecret secret, Prng prng)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(prng);
        _p.CheckSame(secret.Parameters, nameof(secret));
        Poly s = secret.Ntt.Clone();
        (ulong[][] raw, byte[]?[] seeds) = ShamirSharing.DealSeeded(
            s.Coefficients, _p.Ring.Moduli, _p.RingDegree, _p.Threshold, _p.Parties, secret.PartyId, prng, seed => ExpandSeedWords(seed));
        s.Clear();
        var shares = new DealtKeyShare[_p.Parties];
        for (int j = 0; j < _p.Parties; j++)
        {
            Poly value = _p.Ring.NewPoly();
            raw[j].CopyTo(value.Coefficients);
            Array.Clear(raw[j]);
            value.IsNtt = true;
            shares[j] = new DealtKeyShare(_p, secret.PartyId, j + 1, value, seeds[j]);
        }

        return shares;
    }

    private ulong[] ExpandSeedWords(byte[] seed) => DealtKeyShare.ExpandSeed(_p, seed).Coefficients.ToArray();

    /// <summary>
    /// Keeps the shares addressed to <paramref name="ownId"/>: exactly one from every dealer 1..N, copied in their compact
    /// form (a seeded share stays its seed; the caller disposes its own).
    /// </summary>
    /// <exception cref="ArgumentException">A share is for another recipient or other parameters, a dealer sent two, or
    /// dealers are missing (named).</exception>
    public ThresholdKeyShares AggregateShares(int ownId, IReadOnlyList<DealtKeyShare> received)
    {
        ArgumentNullException.ThrowIfNull(received);
        _p.CheckPartyId(ownId, nameof(ownId));
        var byDealer = new DealtKeyShare?[_p.Parties];
        foreach (DealtKeyShare share in received)
        {
            ArgumentNullException.ThrowIfNull(share, nameof(received));
            _p.CheckSame(share.Parameters, nameof(received));
            if (share.RecipientId != ownId)
            {
                throw new ArgumentException($"The share from dealer {share.DealerId} is addressed to party {share.RecipientId}, not {ownId}.", nameof(received));
            }

            if (byDealer[share.DealerId - 1] is not null)
            {
                throw new ArgumentException($"Dealer {share.DealerId} sent two shares.", nameof(received));
            }

            byDealer[share.DealerId - 1] = share;
        }

        int[] missing = [.. Enumerable.Range(1, _p.Parties).Where(i => byDealer[i - 1] is null)];
        if (missing.Length > 0)
        {
            throw new ArgumentException($"Shares from dealer(s) {string.Join(", ", missing)} are missing; all {_p.Parties} are needed.", nameof(received));
        }

        return ThresholdKeyShares.FromShares(_p, ownId, byDealer!);
    }
}
