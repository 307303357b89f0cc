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

    /// <summary>
    /// The signs of (<paramref name="roundSeed"/>, <paramref name="length"/> bytes) in an array kept between calls: the
    /// last call's when its seed and length are the same (no regeneration: an encoder called again in the same round),
    /// else regenerated into it (or a new one). Give it back with <see cref="Return"/>. A process-wide slot instead of an
    /// array per encoder or decoder: a participant makes an encoder each round, and 2 MB of signs (d = 10^7) left behind
    /// each time sat on the large-object heap until a full collection (issue 17). The signs are public; nothing is wiped.
    /// </summary>
    public static Kept Rent(ReadOnlySpan<byte> roundSeed, int length)
    {
        Kept kept = Interlocked.Exchange(ref s_kept, null) is { } last && last.Bits.Length == length ? last : new Kept(length);
        if (!kept.IsFor(roundSeed))
        {
            kept.Valid = false;
            Generate(roundSeed, kept.Bits);
            roundSeed.CopyTo(kept.Seed);
            kept.Valid = true;
        }

        return kept;
    }

    /// <summary>Keeps <paramref name="kept"/> for the next <see cref="Rent"/>.</summary>
    public static void Return(Kept kept) => Volatile.Write(ref s_kept, kept);

    private static Kept? s_kept;

    /// <summary>A signs array and the seed it was made from.</summary>
    internal sealed class Kept(int length)
    {
        public byte[] Bits { get; } = new byte[length];

        public byte[] Seed { get; } = new byte[32];

        public bool Valid { get; set; }

        public bool IsFor(ReadOnlySpan<byte> roundSeed) => Valid && roundSeed.SequenceEqual(Seed);
    }
}
