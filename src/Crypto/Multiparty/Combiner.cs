using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// t-of-N decryption key for one fixed decryption set (Lattigo's Combiner): the Lagrange weights
/// λ_j = Π_{m∈S, m≠j} m/(m − j) mod q_l are computed once per set and limb; member j's decryption
/// key is λ_j·s'_j, so that Σ_{j∈S} λ_j·s'_j = s (mod q'). Fix the set once per ciphertext: if a
/// member drops, abort; never re-decrypt the same ciphertext with another set.
/// </summary>
public sealed class Combiner
{
    private readonly MultipartyParameters _p;
    private readonly int[] _set;
    private readonly ulong[][] _lambda;

    /// <summary>Prepares the Lagrange weights for <paramref name="activeSet"/> (distinct ids in 1..N, at least threshold of them).</summary>
    public Combiner(MultipartyParameters parameters, IEnumerable<int> activeSet)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(activeSet);
        _p = parameters;
        _set = activeSet.ToArray();
        if (_set.Distinct().Count() != _set.Length)
        {
            throw new ArgumentException("The decryption set names a party twice.", nameof(activeSet));
        }

        foreach (int id in _set)
        {
            PartySecret.CheckPartyId(parameters, id, nameof(activeSet));
        }

        if (_set.Length < parameters.Threshold)
        {
            throw new ArgumentException($"The decryption set has {_set.Length} members; at least the threshold {parameters.Threshold} are needed.", nameof(activeSet));
        }

        Array.Sort(_set);
        _lambda = ShamirSharing.LagrangeAtZero(_set, parameters.WireRing.Moduli);
    }

    /// <summary>The decryption set (sorted).</summary>
    public IReadOnlyList<int> ActiveSet => _set;

    /// <summary>λ_j·s'_j in NTT form at q' for member j = share.PartyId.</summary>
    public DecryptionSecret GetDecryptionSecret(ThresholdSecretShare share)
    {
        ArgumentNullException.ThrowIfNull(share);
        if (!share.Parameters.Digest.Span.SequenceEqual(_p.Digest.Span))
        {
            throw new ArgumentException("The share was made under different multiparty parameters.", nameof(share));
        }

        int index = Array.IndexOf(_set, share.PartyId);
        if (index < 0)
        {
            throw new ArgumentException($"Party {share.PartyId} is not in the decryption set {{{string.Join(", ", _set)}}}.", nameof(share));
        }

        RingQ ring = _p.WireRing;
        Poly s = share.Value.CloneLimbs(_p.WireLimbCount);
        ring.MulScalarPerLimb(s, _lambda[index], s);
        ring.Ntt(s);
        return new DecryptionSecret(_p, share.PartyId, _set, s);
    }
}
