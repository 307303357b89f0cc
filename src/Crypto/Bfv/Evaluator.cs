using System.Runtime.CompilerServices;
using SecAgg.Crypto.Bfv.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// Homomorphic operations (SEAL's names): additions, which add the noise bounds, and modulus switching down one prime
/// (c ↦ round(c/p_last)), which maps the bound B to B/p_last + (1 + n·‖s‖∞)/2.
/// </summary>
public sealed class Evaluator
{
    private readonly BfvContext _context;

    /// <summary>Creates an evaluator for <paramref name="context"/>.</summary>
    public Evaluator(BfvContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <summary>destination = a + b (the plaintexts add mod t; bound: B_a + B_b). destination may alias a or b.</summary>
    public void Add(Ciphertext a, Ciphertext b, Ciphertext destination)
    {
        CheckPair(a, b);
        Check(destination, nameof(destination));
        if (destination.LimbCount != a.LimbCount)
        {
            throw new ArgumentException("The destination has a different number of limbs.", nameof(destination));
        }

        double bound = NoiseMath.AddUp(a.NoiseBound, b.NoiseBound);
        double secret = Math.Max(a.SecretNormBound, b.SecretNormBound);
        _context.Ring.Add(a.C0, b.C0, destination.C0);
        _context.Ring.Add(a.C1, b.C1, destination.C1);
        destination.NoiseBound = bound;
        destination.SecretNormBound = secret;
    }

    /// <summary>Allocating form of <see cref="Add(Ciphertext, Ciphertext, Ciphertext)"/>.</summary>
    public Ciphertext Add(Ciphertext a, Ciphertext b)
    {
        CheckPair(a, b);
        var r = new Ciphertext(_context, new Poly(_context.N, a.LimbCount), new Poly(_context.N, a.LimbCount), 0, 0);
        Add(a, b, r);
        return r;
    }

    /// <summary>a += b.</summary>
    public void AddInplace(Ciphertext a, Ciphertext b) => Add(a, b, a);

    /// <summary>destination = Σ ciphertexts (bound: Σ B_i). destination may be the first summand, no other.</summary>
    /// <exception cref="ArgumentException">The list is empty or mixes levels or parameters.</exception>
    public void AddMany(IReadOnlyList<Ciphertext> ciphertexts, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(ciphertexts);
        if (ciphertexts.Count == 0)
        {
            throw new ArgumentException("At least one ciphertext is required.", nameof(ciphertexts));
        }

        Check(destination, nameof(destination));
        Ciphertext first = ciphertexts[0];
        CheckPair(first, destination);
        for (int i = 1; i < ciphertexts.Count; i++)
        {
            if (ReferenceEquals(ciphertexts[i], destination))
            {
                throw new ArgumentException("The destination may only alias the first summand.", nameof(destination));
            }
        }

        ciphertexts[0].C0.CopyTo(destination.C0);
        ciphertexts[0].C1.CopyTo(destination.C1);
        double bound = first.NoiseBound, secret = first.SecretNormBound;
        for (int i = 1; i < ciphertexts.Count; i++)
        {
            Ciphertext c = ciphertexts[i];
            CheckPair(first, c);
            _context.Ring.Add(destination.C0, c.C0, destination.C0);
            _context.Ring.Add(destination.C1, c.C1, destination.C1);
            bound = NoiseMath.AddUp(bound, c.NoiseBound);
            secret = Math.Max(secret, c.SecretNormBound);
        }

        destination.NoiseBound = bound;
        destination.SecretNormBound = secret;
    }

    /// <summary>Allocating form of <see cref="AddMany(IReadOnlyList{Ciphertext}, Ciphertext)"/>.</summary>
    public Ciphertext AddMany(IReadOnlyList<Ciphertext> ciphertexts)
    {
        ArgumentNullException.ThrowIfNull(ciphertexts);
        if (ciphertexts.Count == 0)
        {
            throw new ArgumentException("At least one ciphertext is required.", nameof(ciphertexts));
        }

        int limbs = ciphertexts[0].LimbCount;
        var r = new Ciphertext(_context, new Poly(_context.N, limbs), new Poly(_context.N, limbs), 0, 0);
        AddMany(ciphertexts, r);
        return r;
    }

    /// <summary>
    /// Switches to one limb fewer: each component c becomes (c − δ)/p_last with δ the centered residue of c mod p_last,
    /// i.e. round(c/p_last) (mod q_{ℓ−1}). Noise: B' = B/p_last + (1 + n·‖s‖∞)/2 (rounding of c0 and of c1·s).
    /// </summary>
    /// <exception cref="ArgumentException">The ciphertext has a single limb.</exception>
    public Ciphertext ModSwitchToNext(Ciphertext ciphertext)
    {
        Check(ciphertext, nameof(ciphertext));
        int limbs = ciphertext.LimbCount;
        if (limbs < 2)
        {
            throw new ArgumentException("A ciphertext with one limb cannot be switched down further.", nameof(ciphertext));
        }

        Poly c0 = new(_context.N, limbs - 1), c1 = new(_context.N, limbs - 1);
        DropLastLimb(ciphertext.C0, c0);
        DropLastLimb(ciphertext.C1, c1);
        double pLast = _context.Ring.Moduli[limbs - 1].Value;
        double rounding = NoiseMath.MulUp(0.5, NoiseMath.AddUp(1.0, NoiseMath.MulUp(_context.N, ciphertext.SecretNormBound)));
        double bound = NoiseMath.AddUp(NoiseMath.DivUp(ciphertext.NoiseBound, pLast), rounding);
        return new Ciphertext(_context, c0, c1, bound, ciphertext.SecretNormBound);
    }

    /// <summary>Switches down to <paramref name="limbCount"/> limbs (repeated <see cref="ModSwitchToNext"/>).</summary>
    public Ciphertext ModSwitchTo(Ciphertext ciphertext, int limbCount)
    {
        Check(ciphertext, nameof(ciphertext));
        if (limbCount < 1 || limbCount > ciphertext.LimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Must be in [1, {ciphertext.LimbCount}].");
        }

        Ciphertext current = ciphertext;
        while (current.LimbCount > limbCount)
        {
            current = ModSwitchToNext(current);
        }

        return ReferenceEquals(current, ciphertext) ? ciphertext.Clone() : current;
    }

    private void DropLastLimb(Poly source, Poly destination)
    {
        // round(c / p_last) onto one limb fewer: the ring's RNS rescaling (shared with the multiparty layer).
        _context.Ring.DivideRoundByLastModulus(source, destination);
    }

    private void Check(Ciphertext c, string name)
    {
        ArgumentNullException.ThrowIfNull(c, name);
        if (c.ParameterId != _context.ParameterId)
        {
            throw new ArgumentException("The ciphertext belongs to other parameters.", name);
        }
    }

    private void CheckPair(Ciphertext a, Ciphertext b)
    {
        Check(a, nameof(a));
        Check(b, nameof(b));
        if (a.LimbCount != b.LimbCount)
        {
            throw new ArgumentException($"Level mismatch: {a.LimbCount} vs {b.LimbCount} limbs; switch one down first.", nameof(b));
        }
    }
}
