using SecAgg.Quantize.Random;

namespace SecAgg.Quantize.Internal;

/// <summary>
/// The rotation's Rademacher signs: bit i of the AES-CTR stream keyed by the round's public 32-byte
/// seed (stream id "DDGROT") is the sign of coordinate i (1 = negative). Public by design.
/// </summary>
internal static class RotationSigns
{
    private const ulong StreamId = 0x544F52474444; // "DDGROT"

    public static void Generate(ReadOnlySpan<byte> roundSeed, Span<byte> bits)
    {
        if (roundSeed.Length != 32)
        {
            throw new ArgumentException($"The round seed must be exactly 32 bytes, got {roundSeed.Length}.", nameof(roundSeed));
        }

        using AesCtrRandom r = AesCtrRandom.FromPublicSeed(roundSeed, StreamId);
        r.NextBytes(bits);
    }
}
