using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using SecAgg.Crypto.Ring.Sampling.Internal;

namespace SecAgg.Crypto.Ring.Sampling;

/// <summary>
/// The project's one cryptographically secure pseudo-random stream: AES-256 in counter mode keyed by a 32-byte seed.
/// Block k (k = 0, 1, 2, …) of the stream is AES-256_seed(k as a 16-byte big-endian integer); bytes are consumed in
/// order, words as little-endian integers.
/// </summary>
/// <remarks>
/// <para><see cref="CreateSecure"/> keys it from <see cref="RandomNumberGenerator"/>: use it for every secret (keys, RLWE
/// errors, DP noise, randomized rounding, flooding). <see cref="FromSeed(ReadOnlySpan{byte})"/> and
/// <see cref="FromSeed(ReadOnlySpan{byte}, string)"/> give public, reproducible randomness (everyone with the seed gets
/// the same stream: common reference polynomials, rotation signs, tests); never use a known seed for secret values.
/// <see cref="Fork"/> derives independent child streams (one per worker thread).</para>
/// <para>The keystream comes from AES-NI where the processor has it (eight blocks in flight) and from .NET's
/// <see cref="Aes"/> (OpenSSL) otherwise; both give identical bytes (tested, with FIPS-197 and a known answer of the
/// public seed expansion). Only integer arithmetic touches the output. Not thread-safe: give each thread its own
/// stream. <see cref="Dispose"/> zeroes the key schedule and the buffered output.</para>
/// </remarks>
public sealed class Prng : IDisposable
{
    /// <summary>The seed length in bytes.</summary>
    public const int SeedLength = 32;

    private const int BufferBlocks = 512; // 8 KiB per refill
    private const int BufferBytes = BufferBlocks * 16;
    private readonly AesNiCtr? _aesNi;
    private readonly Aes? _aes;
    /// <summary>
    /// The stream buffers of disposed streams, kept for the next ones (returned wiped). A DDG encoding forks a stream
    /// per 2^16 coordinates (256 at d = 10^7), and their fresh buffers were most of what a participant's round allocated
    /// (issue 17: garbage each round that the collector let pile up into the peak). A disposed stream cannot read its
    /// old buffer again: its position is at the end, and the refill that would come next throws.
    /// </summary>
    private static readonly ArrayPool<byte> Buffers = ArrayPool<byte>.Create(BufferBytes, 512);

    private readonly byte[] _buffer = Buffers.Rent(BufferBytes);
    private UInt128 _nextBlock;
    private int _position = BufferBytes;
    private ulong _bitWord;
    private int _bitsLeft;
    private bool _disposed;

    private Prng(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"The seed must be {SeedLength} bytes, got {seed.Length}.", nameof(seed));
        }

        if (AesNiCtr.IsSupported && !ForceManagedAes)
        {
            _aesNi = new AesNiCtr(seed);
            return;
        }

        _aes = Aes.Create();
        byte[] key = seed.ToArray();
        try
        {
            _aes.Key = key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Test switch: streams created afterwards use .NET's Aes instead of AES-NI.</summary>
    internal static bool ForceManagedAes { get; set; }

    /// <summary>A stream keyed by 32 fresh bytes from the operating system's CSPRNG: for secret randomness.</summary>
    public static Prng CreateSecure()
    {
        Span<byte> seed = stackalloc byte[SeedLength];
        RandomNumberGenerator.Fill(seed);
        try
        {
            return new Prng(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The reproducible stream of <paramref name="seed"/> (32 bytes): for public randomness (common reference
    /// polynomials) and for tests. Anyone who knows the seed knows every output.</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes.</exception>
    public static Prng FromSeed(ReadOnlySpan<byte> seed) => new(seed);

    /// <summary>The reproducible stream of (<paramref name="seed"/>, <paramref name="domainLabel"/>): the AES-256 key is
    /// HMAC-SHA256(key = seed, message = UTF-8(label)), so one seed gives independent streams for different purposes
    /// (domain separation) and the seed may have any length. The stream is as secret as the seed: public randomness and
    /// tests with a public seed, or a secret derived stream with a secret one (a member's flooding:
    /// <see cref="Multiparty.SessionKeyShare"/>).</summary>
    /// <exception cref="ArgumentException">The label is empty.</exception>
    public static Prng FromSeed(ReadOnlySpan<byte> seed, string domainLabel)
    {
        ArgumentException.ThrowIfNullOrEmpty(domainLabel);
        Span<byte> key = stackalloc byte[SeedLength];
        HMACSHA256.HashData(seed, System.Text.Encoding.UTF8.GetBytes(domainLabel), key);
        try
        {
            return new Prng(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Test helper: a reproducible stream from a small integer. NOT for secrets in production.</summary>
    internal static Prng ForTesting(ulong seed)
    {
        Span<byte> s = stackalloc byte[SeedLength];
        s.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(s, seed);
        "TEST-ONLY"u8.CopyTo(s[8..]);
        return new Prng(s);
    }

    /// <summary>
    /// A child stream keyed with the next 32 bytes of this one: independent of this stream's later output and of every
    /// other fork (AES-CTR as a PRG), secret if this one is, deterministic given this stream's state. Used to hand one
    /// stream to each worker thread.
    /// </summary>
    public Prng Fork()
    {
        Span<byte> key = stackalloc byte[SeedLength];
        Fill(key);
        try
        {
            return new Prng(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Fills <paramref name="destination"/> with the next bytes of the stream.</summary>
    public void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_position == BufferBytes)
            {
                Refill();
            }

            int take = Math.Min(destination.Length, BufferBytes - _position);
            _buffer.AsSpan(_position, take).CopyTo(destination);
            _position += take;
            destination = destination[take..];
        }
    }

    /// <summary>The next 8 bytes of the stream as a little-endian integer (64 uniform bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        int p = _position;
        if (p > BufferBytes - 8)
        {
            return NextUInt64Slow(8);
        }

        _position = p + 8;
        return BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(p, 8));
    }

    /// <summary>The next 4 bytes of the stream as a little-endian integer (32 uniform bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt32()
    {
        int p = _position;
        if (p > BufferBytes - 4)
        {
            return (uint)NextUInt64Slow(4);
        }

        _position = p + 4;
        return BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(p, 4));
    }

    /// <summary>One uniform bit: the bits of a 64-bit word from <see cref="NextUInt64"/>, lowest first.</summary>
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

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) by rejection (exact, no modulo bias).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The bound is 0.</exception>
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
            ulong r = NextUInt64() >> shift; // uniform in [0, 2^(64−shift)), and 2^(64−shift) < 2·bound
            if (r < bound)
            {
                return r;
            }
        }
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) by rejection (exact), any size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The bound is not positive.</exception>
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
        int topBits = (int)(bits - ((bytes - 1) * 8L));
        try
        {
            while (true)
            {
                Fill(raw.AsSpan(0, bytes));
                raw[bytes - 1] &= (byte)((1 << topBits) - 1);
                raw[bytes] = 0;
                var r = new BigInteger(raw, isUnsigned: true, isBigEndian: false);
                if (r < bound)
                {
                    return r;
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>A uniform integer in [0, 2^<paramref name="bits"/>): the next words, most significant first.</summary>
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

    /// <summary>The next <paramref name="bytes"/> (4 or 8) bytes as a little-endian integer, across a refill.</summary>
    private ulong NextUInt64Slow(int bytes)
    {
        Span<byte> b = stackalloc byte[8];
        b.Clear();
        Fill(b[..bytes]);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Refill()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> b = _buffer.AsSpan(0, BufferBytes);
        if (_aesNi is not null)
        {
            _aesNi.Generate(b, _nextBlock);
        }
        else
        {
            for (int i = 0; i < BufferBlocks; i++)
            {
                UInt128 k = _nextBlock + (uint)i;
                BinaryPrimitives.WriteUInt64BigEndian(b.Slice(i * 16, 8), (ulong)(k >> 64));
                BinaryPrimitives.WriteUInt64BigEndian(b.Slice((i * 16) + 8, 8), (ulong)k);
            }

            _aes!.EncryptEcb(b, b, PaddingMode.None);
        }

        _nextBlock += BufferBlocks;
        _position = 0;
    }

    /// <summary>Wipes the key schedule and the buffered stream.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_buffer);
        _position = BufferBytes;
        _bitWord = 0;
        _bitsLeft = 0;
        _aesNi?.Clear();
        _aes?.Dispose();
        Buffers.Return(_buffer);
    }
}
