using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace SecAgg.Crypto.Ring.Sampling;

/// <summary>
/// A deterministic, expandable pseudo-random stream: AES-256 in counter mode keyed by a 32-byte seed.
/// Block k (k = 0, 1, 2, …) of the stream is AES-256_seed(k as a 16-byte big-endian integer); bytes are consumed in
/// order. <see cref="CreateSecure"/> keys it from <see cref="RandomNumberGenerator"/> (for secrets);
/// <see cref="FromSeed(ReadOnlySpan{byte})"/> gives public, reproducible randomness (everyone with the seed gets the same stream) —
/// never use a known seed for secret values outside tests.
/// </summary>
public sealed class Prng : IDisposable
{
    /// <summary>The seed length in bytes.</summary>
    public const int SeedLength = 32;

    private const int BufferBlocks = 512; // 8 KiB per AES call
    private readonly Aes _aes;
    private readonly byte[] _counters = new byte[BufferBlocks * 16];
    private readonly byte[] _buffer = new byte[BufferBlocks * 16];
    private UInt128 _nextBlock;
    private int _position;
    private bool _disposed;

    private Prng(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"The seed must be {SeedLength} bytes, got {seed.Length}.", nameof(seed));
        }

        _aes = Aes.Create();
        byte[] key = seed.ToArray();
        _aes.Key = key;
        CryptographicOperations.ZeroMemory(key);
        _position = _buffer.Length;
    }

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
    public static Prng FromSeed(ReadOnlySpan<byte> seed) => new(seed);

    /// <summary>The reproducible stream of (<paramref name="seed"/>, <paramref name="domainLabel"/>): the AES-256 key is
    /// HMAC-SHA256(key = seed, message = UTF-8(label)), so one seed gives independent streams for different purposes
    /// (domain separation) and the seed may have any length. Public randomness and tests only, as
    /// <see cref="FromSeed(ReadOnlySpan{byte})"/>.</summary>
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

    /// <summary>Fills <paramref name="destination"/> with the next bytes of the stream.</summary>
    public void Fill(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (destination.Length > 0)
        {
            if (_position == _buffer.Length)
            {
                Refill();
            }

            int take = Math.Min(destination.Length, _buffer.Length - _position);
            _buffer.AsSpan(_position, take).CopyTo(destination);
            _position += take;
            destination = destination[take..];
        }
    }

    /// <summary>The next 8 bytes of the stream as a little-endian integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        if (_position > _buffer.Length - 8)
        {
            return NextUInt64Slow();
        }

        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position));
        _position += 8;
        return v;
    }

    private ulong NextUInt64Slow()
    {
        Span<byte> b = stackalloc byte[8];
        Fill(b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    /// <summary>A uniform integer in [0, bound) by rejection (unbiased).</summary>
    public ulong NextBelow(ulong bound)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bound);
        if ((bound & (bound - 1)) == 0)
        {
            return NextUInt64() & (bound - 1);
        }

        ulong mask = ulong.MaxValue >> System.Numerics.BitOperations.LeadingZeroCount(bound);
        while (true)
        {
            ulong v = NextUInt64() & mask;
            if (v < bound)
            {
                return v;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Refill()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Span<byte> c = _counters;
        for (int i = 0; i < BufferBlocks; i++)
        {
            UInt128 k = _nextBlock++;
            BinaryPrimitives.WriteUInt64BigEndian(c.Slice(i * 16, 8), (ulong)(k >> 64));
            BinaryPrimitives.WriteUInt64BigEndian(c.Slice((i * 16) + 8, 8), (ulong)k);
        }

        _aes.EncryptEcb(_counters, _buffer, PaddingMode.None);
        _position = 0;
    }

    /// <summary>Wipes the buffered stream and releases the cipher.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_buffer);
        _aes.Dispose();
    }
}
