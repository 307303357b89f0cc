using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// The key a member of a decryption set uses for its share, in NTT form at the wire modulus q':
/// s_i itself for N-of-N decryption (<see cref="ForAllParties"/>), or λ_j·s'_j (Lagrange-weighted
/// Shamir share) from <see cref="Combiner"/> for a t-of-N set. It is bound to that set: shares from
/// it combine only with shares of the same set. Zeroed on <see cref="Dispose"/>.
/// </summary>
public sealed class DecryptionSecret : IDisposable
{
    internal DecryptionSecret(MultipartyParameters parameters, int partyId, int[] activeSet, Poly nttWire)
    {
        Parameters = parameters;
        PartyId = partyId;
        ActiveSetIds = activeSet;
        NttWire = nttWire;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>The member's party id.</summary>
    public int PartyId { get; }

    /// <summary>The decryption set (sorted party ids) this secret is weighted for.</summary>
    public IReadOnlyList<int> ActiveSet => ActiveSetIds;

    internal int[] ActiveSetIds { get; }

    internal Poly NttWire { get; }

    /// <summary>N-of-N decryption: the set is all N parties and the key is s_i.</summary>
    public static DecryptionSecret ForAllParties(PartySecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        MultipartyParameters p = secret.Parameters;
        Poly s = secret.NttKeyLevel.CloneLimbs(p.WireLimbCount); // NTT per limb is independent: truncation is exact
        return new DecryptionSecret(p, secret.PartyId, Enumerable.Range(1, p.Parties).ToArray(), s);
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose() => NttWire.Clear();
}
