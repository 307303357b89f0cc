using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Quantize.Tests;

/// <summary>Reproducible public streams for tests (never for secrets).</summary>
internal static class TestRandom
{
    public static Prng Rng(byte seed)
    {
        var s = new byte[32];
        s[0] = seed;
        s[31] = 0x5a;
        return Prng.FromSeed(s, "secagg/quantize-tests");
    }
}
