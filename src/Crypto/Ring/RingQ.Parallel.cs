using SecAgg.Crypto.Ring.Internal;

namespace SecAgg.Crypto.Ring;

public sealed partial class RingQ
{
    /// <summary>Below this many residues (n·ℓ) an NTT runs on one core: waking a helper (tens of µs) costs more than
    /// it saves. An estimate from the per-limb costs (one NTT limb at n = 4096 is ~10 µs of CPU), not yet located on a
    /// quiet multi-core machine: RingParallelBenchmarks (shapes 4096x4, 8192x8, 32768x13) is the way to do it.</summary>
    internal const long NttMinResidues = 1 << 16;

    /// <summary>Below this many residues (n·ℓ) an element-wise operation (add, products, lifts) runs on one core
    /// (an estimate, as <see cref="NttMinResidues"/>; a 13-limb add at n = 32768 is ~0.1 ms of CPU).</summary>
    internal const long ElementwiseMinResidues = 1 << 18;

    // 0: automatic (RingParallelism); k ≥ 1: every multi-limb operation uses exactly k threads (tests pin it).
    private readonly int _pinnedDegree;

    /// <summary>Runs <paramref name="body"/>(args, l) for every limb l &lt; <paramref name="limbs"/>, on as many
    /// threads as <see cref="RingParallelism"/> allows for an operation of this size. The body must be a static
    /// lambda (no allocation per call) that writes only limb l of its result.</summary>
    internal void ForEachLimb<TArgs>(int limbs, bool ntt, in TArgs args, Action<TArgs, int> body)
    {
        int degree = _pinnedDegree != 0
            ? _pinnedDegree
            : RingParallelism.DegreeFor(limbs, (long)N * limbs, ntt ? NttMinResidues : ElementwiseMinResidues);
        LimbScheduler.For(limbs, degree, args, body);
    }

    /// <summary>The operands of one per-limb operation (a struct stored in the pooled job: no allocation).</summary>
    private readonly record struct LimbArgs(RingQ Ring, Poly A, Poly? B, Poly? C, Poly Result, ulong Scalar = 0);

    /// <summary>A pinned signed-integer vector of length n and its target (AddSigned/SetSigned).</summary>
    private readonly unsafe struct LiftArgs
    {
        public LiftArgs(RingQ ring, long* values, Poly result, bool accumulate)
        {
            Ring = ring;
            Values = values;
            Result = result;
            Accumulate = accumulate;
        }

        public RingQ Ring { get; }

        public long* Values { get; }

        public Poly Result { get; }

        public bool Accumulate { get; }
    }
}
