using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Quantize.Internal;

/// <summary>
/// The rotation's Rademacher signs: bit i of the stream <c>Prng.FromSeed(roundSeed, "secagg/ddg/rotation-signs")</c>
/// (bytes in order, lowest bit first) is the sign of coordinate i (1 = negative). Public by design: the round seed is
/// public and the aggregator derives the same signs to undo the rotation.
/// </summary>
internal static class RotationSigns
{
    private const string DomainLabel = "secagg/ddg/rotation-signs";

    public static void Generate(ReadOnlySpan<byte> roundSeed, Span<byte> bits)
    {
        if (roundSeed.Length != 32)
        {
            throw new ArgumentException($"The round seed must be exactly 32 bytes, got {roundSeed.Length}.", nameof(roundSeed));
        }

        using Prng r = Prng.FromSeed(roundSeed, DomainLabel);
        r.Fill(bits);
    }
}
