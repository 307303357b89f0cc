using System.Runtime.CompilerServices;
namespace SecAgg.Crypto.Ring.Sampling;

/// <summary>Uniform ternary sampling: each value is −1, 0 or 1 with probability 1/3 (secrets, encryption masks).</summary>
public static class TernarySampler
{
    /// <summary>Fills <paramref name="destination"/> with independent uniform values of {−1, 0, 1}: each byte b &lt; 255
    /// of the stream gives (b mod 3) − 1 (bytes equal to 255 are rejected, so the three values are equally likely).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sample(Prng prng, Span<long> destination)
    {
        ArgumentNullException.ThrowIfNull(prng);
        Span<byte> buffer = stackalloc byte[256];
        int filled = 0, pos = 0;
        for (int j = 0; j < destination.Length;)
        {
            if (pos == filled)
            {
                int want = Math.Min(buffer.Length, destination.Length - j + 8);
                prng.Fill(buffer[..want]);
                filled = want;
                pos = 0;
            }

            byte b = buffer[pos++];
            if (b == 255)
            {
                continue;
            }

            destination[j++] = (b % 3) - 1;
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
    }
}
