using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace SecAgg.Quantize.Random;

/// <summary>
/// A cryptographically secure pseudo-random bit stream: AES-256 in counter mode.
/// Block i of the stream is AES_k(streamId || i) (both 64-bit little-endian); distinct
/// <c>streamId</c>s under one key give independent streams; <see cref="Fork"/> derives child streams.
/// </summary>
/// <remarks>
/// <para><see cref="Create()"/> draws a fresh 256-bit key from <see cref="RandomNumberGenerator"/>:
/// use it for every secret (noise, rounding).</para>
/// <para><see cref="FromPublicSeed"/> is deterministic: the same seed gives the same bits on every
/// machine. Use it only for randomness that is public by design (the round's rotation signs) or for
/// reproducible tests; never for noise, whose secrecy is the whole privacy guarantee.</para>
/// The instance is not thread-safe; give each thread its own stream.
/// </remarks>
public sealed class AesCtrRandom : IDisposable
{
    private const int BufferBytes = 4096;
    private readonly Aes? _aes;
    private readonly Internal.AesNiCtr? _aesNi;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private readonly byte[] _key;
    private readonly ulong _streamId;
    private ulong _counter;
    private int _position = BufferBytes;
    private ulong _bitWord;
    private int _bitsLeft;
    private bool _disposed;

    private AesCtrRandom(ReadOnlySpan<byte> key, ulong streamId)
    {
        _key = key.ToArray();
        _streamId = streamId;
        if (Internal.AesNiCtr.IsSupported && !ForceManagedAes)
        {
            _aesNi = new Internal.AesNiCtr(_key);
        }
        else
        {
            _aes = Aes.Create();
            _aes.Key = _key;
        }
    }

    /// <summary>Test switch: use .NET's Aes (OpenSSL) instead of AES-NI for streams created afterwards.</summary>
    internal static bool ForceManagedAes;

    /// <summary>Creates a stream keyed with 32 fresh bytes from <see cref="RandomNumberGenerator"/>.</summary>
    public static AesCtrRandom Create()
    {
        Span<byte> key = stackalloc byte[32];
        RandomNumberGenerator.Fill(key);
        try
        {
            return new AesCtrRandom(key, 0);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// DETERMINISTIC stream from a 32-byte seed: for public randomness (rotation signs from the
    /// round seed) and reproducible tests only. Never use it for secret noise.
    /// </summary>
    /// <param name="seed">Exactly 32 bytes.</param>
    /// <param name="streamId">Domain separation: different ids give independent streams.</param>
    public static AesCtrRandom FromPublicSeed(ReadOnlySpan<byte> seed, ulong streamId = 0)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException($"The seed must be exactly 32 bytes, got {seed.Length}.", nameof(seed));
        }

        return new AesCtrRandom(seed, streamId);
    }

    /// <summary>
    /// A child stream keyed with the next 32 bytes of this one: independent of this stream's later
    /// output and of every other fork (AES-CTR as a PRG), secret if this one is, deterministic given
    /// this stream's state. Used to hand one stream to each worker thread.
    /// </summary>
    public AesCtrRandom Fork()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> key = stackalloc byte[32];
        NextBytes(key);
        try
        {
            return new AesCtrRandom(key, 0);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The next 64 uniformly random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        int p = _position;
        if (p > BufferBytes - 8)
        {
            Refill();
            p = 0;
        }

        _position = p + 8;
        return BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(p, 8));
    }

    /// <summary>The next 32 uniformly random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt32()
    {
        int p = _position;
        if (p > BufferBytes - 4)
        {
            Refill();
            p = 0;
        }

        _position = p + 4;
        return BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(p, 4));
    }

    /// <summary>One uniformly random bit (buffered 64 at a time).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool NextBit()
    {
        if (_bitsLeft == 0)
        {
            _bitWord = NextUInt64();
            _bitsLeft = 64;
        }

        bool bit = (_bitWord & 1) != 0;
        _bitWord >>= 1;
        _bitsLeft--;
        return bit;
    }

    /// <summary>Uniform integer in [0, <paramref name="bound"/>) by rejection (exact, no modulo bias).</summary>
    public ulong NextBelow(ulong bound)
    {
        if (bound == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bound), "The bound must be positive.");
        }

        if ((bound & (bound - 1)) == 0)
        {
            return NextUInt64() & (bound - 1);
        }

        int shift = BitOperations.LeadingZeroCount(bound);
        while (true)
        {
            ulong r = NextUInt64() >> shift; // r uniform in [0, 2^(64-shift)), 2^(64-shift) < 2*bound
            if (r < bound)
            {
                return r;
            }
        }
    }

    /// <summary>Uniform integer in [0, <paramref name="bound"/>) by rejection (exact), any size.</summary>
    public BigInteger NextBelow(BigInteger bound)
    {
        if (bound.Sign <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bound), "The bound must be positive.");
        }

        if (bound <= ulong.MaxValue)
        {
            return NextBelow((ulong)bound);
        }

        long bits = (long)bound.GetBitLength();
        int bytes = (int)((bits + 7) / 8);
        byte[] raw = new byte[bytes + 1];
        int topBits = (int)(bits - (bytes - 1) * 8L);
        while (true)
        {
            NextBytes(raw.AsSpan(0, bytes));
            raw[bytes - 1] &= (byte)((1 << topBits) - 1);
            raw[bytes] = 0;
            var r = new BigInteger(raw, isUnsigned: true, isBigEndian: false);
            if (r < bound)
            {
                return r;
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    public void NextBytes(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_position == BufferBytes)
            {
                Refill();
            }

            int n = Math.Min(destination.Length, BufferBytes - _position);
            _buffer.AsSpan(_position, n).CopyTo(destination);
            _position += n;
            destination = destination[n..];
        }
    }

    /// <summary>Uniform random bits as a non-negative integer of exactly <paramref name="bits"/> bits.</summary>
    internal BigInteger NextBits(int bits)
    {
        BigInteger r = BigInteger.Zero;
        int have = 0;
        while (have < bits)
        {
            int take = Math.Min(64, bits - have);
            ulong w = NextUInt64();
            if (take < 64)
            {
                w >>= 64 - take;
            }

            r = (r << take) | w;
            have += take;
        }

        return r;
    }

    private void Refill()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> b = _buffer;
        if (_aesNi is not null)
        {
            _aesNi.Generate(b, _streamId, _counter);
            _counter += BufferBytes / 16;
            _position = 0;
            return;
        }

        for (int i = 0; i < BufferBytes; i += 16)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(i, 8), _streamId);
            BinaryPrimitives.WriteUInt64LittleEndian(b.Slice(i + 8, 8), _counter++);
        }

        _aes!.EncryptEcb(b, b, PaddingMode.None);
        _position = 0;
    }

    /// <summary>Zeroes the key and buffered output.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(_buffer);
        _bitWord = 0;
        _aes?.Dispose();
        _aesNi?.Clear();
    }
}
