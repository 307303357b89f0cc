using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// Full-size polynomials of a ring kept for reuse by the member's per-round paths (issue 17: the round polynomial, the
/// share and its flooding scratch, the session key, each 8·n·L bytes, 3.4 MB at n = 2^15 and 13 primes, used to be fresh
/// arrays every round, paid in page faults and zeroing). A returned polynomial is wiped
/// (<see cref="Poly.Clear"/>, which also covers secrets: K_j, the flooding F_j) before it is kept, so <see cref="Rent"/>
/// gives the zero polynomial like <see cref="RingQ.NewPoly"/>. At most <see cref="MaxKeptPerShape"/> are kept per (n, L);
/// more are left to the collector. Thread-safe. A caller returns a polynomial only when nothing else refers to it.
/// </summary>
internal static class PolyPool
{
    /// <summary>
    /// How many polynomials of one shape are kept: a share needs 2 at once (the share, its flooding scratch), a session key
    /// 2, a round polynomial made whole 1; a masked encryption 1 (its ciphertext), and a round may run these on every core
    /// (at most 64 kept: 218 MB at n = 2^15 and 13 primes, on a machine that held them all at once anyway).
    /// </summary>
    public static readonly int MaxKeptPerShape = Math.Clamp(5 * Environment.ProcessorCount, 6, 64);

    private static readonly Lock Gate = new();
    private static readonly Dictionary<(int N, int Limbs), Stack<Poly>> Kept = [];

    /// <summary>A zero polynomial with all of <paramref name="ring"/>'s limbs (coefficient form flag cleared).</summary>
    public static Poly Rent(RingQ ring)
    {
        lock (Gate)
        {
            if (Kept.TryGetValue((ring.N, ring.MaxLimbCount), out Stack<Poly>? kept) && kept.TryPop(out Poly? poly))
            {
                return poly;
            }
        }

        return ring.NewPoly();
    }

    /// <summary>Wipes <paramref name="poly"/> and keeps it for reuse (or drops it when enough of its shape are kept).</summary>
    public static void Return(Poly poly)
    {
        poly.Clear();
        poly.IsNtt = false;
        lock (Gate)
        {
            if (!Kept.TryGetValue((poly.N, poly.LimbCount), out Stack<Poly>? kept))
            {
                kept = new Stack<Poly>(MaxKeptPerShape);
                Kept[(poly.N, poly.LimbCount)] = kept;
            }

            if (kept.Count < MaxKeptPerShape)
            {
                kept.Push(poly);
            }
        }
    }
}
