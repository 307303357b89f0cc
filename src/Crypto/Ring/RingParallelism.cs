using System.Globalization;

namespace SecAgg.Crypto.Ring;

/// <summary>
/// How many cores one <see cref="RingQ"/> operation may use. A large polynomial (n·ℓ residues above a measured
/// threshold, e.g. n = 32768 with 13 primes) has its RNS limbs processed in parallel (forward/inverse NTT,
/// add/subtract/negate, coefficient products, Shoup products, scalar products, AddSigned/SetSigned, the division by
/// the last prime); results are bit-identical to the sequential path because every limb is computed by the same
/// kernel, only on another thread.
/// <para>The degree of one operation is min(ℓ, <see cref="MaxDegreeOfParallelism"/>, the innermost
/// <see cref="Limit"/> in force), and 1 below the threshold.</para>
/// <para><b>Rule for callers that already run several ring operations at once</b> (a Parallel.For over chunks, one
/// task per upload): wrap that loop in <c>using var _ = RingParallelism.Limit(Math.Max(1, cores / concurrent))</c>,
/// with <c>concurrent</c> the number of operations that really run side by side (min(chunks, the loop's degree)).
/// One chunk on a many-core machine then keeps every core; as many chunks as cores run one core each, without
/// oversubscription. The limit flows into tasks and Parallel.For bodies started inside the scope.</para>
/// </summary>
public static class RingParallelism
{
    /// <summary>The environment variable that sets the initial <see cref="MaxDegreeOfParallelism"/> (a positive
    /// integer; 1 turns limb parallelism off for the process).</summary>
    public const string EnvironmentVariable = "SECAGG_RING_PARALLELISM";

    private static readonly AsyncLocal<int> ScopeLimit = new();
    private static int _maxDegree; // 0 until first read (from the environment variable)

    /// <summary>The most threads one ring operation uses, process-wide: the environment variable
    /// <see cref="EnvironmentVariable"/> when set, else <see cref="Environment.ProcessorCount"/>. 1 turns limb
    /// parallelism off.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get
        {
            int degree = Volatile.Read(ref _maxDegree);
            if (degree == 0)
            {
                degree = FromEnvironment();
                int raced = Interlocked.CompareExchange(ref _maxDegree, degree, 0);
                degree = raced == 0 ? degree : raced;
            }

            return degree;
        }

        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The degree of parallelism must be at least 1 (1 runs ring operations on one core).");
            }

            Volatile.Write(ref _maxDegree, value);
        }
    }

    /// <summary>Caps the ring operations of the current flow (this thread's synchronous code, and tasks or
    /// Parallel.For bodies started from it) at <paramref name="maxDegree"/> threads until the returned scope is
    /// disposed. Scopes nest; the smallest limit wins.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegree"/> is below 1.</exception>
    public static LimitScope Limit(int maxDegree)
    {
        if (maxDegree < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegree), maxDegree, "The degree of parallelism must be at least 1 (1 runs ring operations on one core).");
        }

        int previous = ScopeLimit.Value;
        ScopeLimit.Value = previous == 0 ? maxDegree : Math.Min(previous, maxDegree);
        return new LimitScope(previous);
    }

    /// <summary>The degree for an operation over <paramref name="limbs"/> limbs of <paramref name="residues"/>
    /// residues in all, with the operation's threshold <paramref name="minResidues"/>.</summary>
    internal static int DegreeFor(int limbs, long residues, long minResidues)
    {
        if (limbs < 2 || residues < minResidues)
        {
            return 1;
        }

        int degree = Math.Min(limbs, MaxDegreeOfParallelism);
        int scope = ScopeLimit.Value;
        return scope == 0 ? degree : Math.Min(degree, scope);
    }

    private static int FromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Environment.ProcessorCount;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} must be a positive integer (1 runs ring operations on one core); got \"{text}\".");
        }

        return value;
    }

    /// <summary>Restores the previous limit when disposed (see <see cref="Limit"/>).</summary>
    public readonly struct LimitScope : IDisposable
    {
        private readonly int _previous;

        internal LimitScope(int previous) => _previous = previous;

        /// <summary>Restores the limit that was in force before the scope.</summary>
        public void Dispose() => ScopeLimit.Value = _previous;
    }
}
