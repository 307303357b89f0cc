using System.Buffers;
using System.Security.Cryptography;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Quantize.Internal;

/// <summary>
/// The noise streams of one parallel encoding: chunk c of <c>chunk</c> coordinates draws its noise from the c-th
/// <see cref="Prng.Fork"/> of the secret stream, all forked up front and in order, so the output does not depend on
/// which core takes which chunk, nor on the order in which the chunks are noised. Sequential encoding (one core) forks
/// nothing and draws from the secret stream itself.
/// <para>
/// A fork is the stream keyed by the next 32 bytes of its parent, so forking up front only draws the keys: 32 bytes per
/// chunk, kept here (secret: <see cref="Dispose"/> wipes them); <see cref="Take"/> opens chunk c's stream when its
/// chunk is noised and its taker disposes it. Only as many streams (an AES key schedule and an 8 KiB buffer each) are open
/// at once as cores noise chunks, not 256 for d = 10^7 (issue 17's memory).
/// </para>
/// </summary>
internal sealed class NoiseStreams : IDisposable
{
    private const int KeyBytes = Prng.SeedLength;

    private static readonly NoiseStreams Sequential = new(null, 0);

    private readonly int _count;
    private byte[]? _keys;

    private NoiseStreams(byte[]? keys, int count)
    {
        _keys = keys;
        _count = count;
    }

    public bool Parallel => _count > 0;

    /// <summary>The streams of <paramref name="length"/> coordinates in chunks of <paramref name="chunk"/>, forked from
    /// <paramref name="random"/> (nothing drawn when <paramref name="degreeOfParallelism"/> is 1).</summary>
    public static NoiseStreams Fork(Prng random, int length, int chunk, int degreeOfParallelism)
    {
        if (degreeOfParallelism == 1)
        {
            return Sequential;
        }

        int count = (length + chunk - 1) / chunk;
        byte[] keys = ArrayPool<byte>.Shared.Rent(count * KeyBytes);
        random.Fill(keys.AsSpan(0, count * KeyBytes)); // the keys of Fork(), Fork(), … in order
        return new NoiseStreams(keys, count);
    }

    /// <summary>Opens chunk <paramref name="chunk"/>'s stream (the caller disposes it).</summary>
    public Prng Take(int chunk)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)chunk, (uint)_count, nameof(chunk));
        byte[] keys = _keys ?? throw new ObjectDisposedException(nameof(NoiseStreams));
        return Prng.FromSeed(keys.AsSpan(chunk * KeyBytes, KeyBytes));
    }

    /// <summary>Wipes the keys (once: a second Dispose must not give the pool the same array twice).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _keys, null) is { } keys)
        {
            CryptographicOperations.ZeroMemory(keys);
            ArrayPool<byte>.Shared.Return(keys);
        }
    }
}
