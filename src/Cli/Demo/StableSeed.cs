namespace SecAgg.Cli.Demo;

/// <summary>
/// Combines simulation seeds deterministically across processes (<see cref="HashCode.Combine{T1, T2}"/> is randomized
/// per process, so runs with the same --seed would differ). Simulation randomness only; never for secrets.
/// </summary>
internal static class StableSeed
{
    public static int Combine(params int[] parts)
    {
        ulong h = 0xcbf29ce484222325UL;
        foreach (int part in parts)
        {
            h ^= (uint)part;
            h *= 0x100000001b3UL;
            h ^= h >> 29;
        }

        return (int)(h ^ (h >> 32)) & int.MaxValue;
    }
}
