using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// AES-256-CTR keystream. Keyed either from <see cref="RandomNumberGenerator"/> (secrets, flooding)
/// or from a public seed with a domain label (the common reference polynomial; test fixtures).
/// Never System.Random.
/// </summary>
internal sealed class MpPrng : IDisposable
{
    private const int BlockBytes = 4096;
    private readonly Aes _aes;
    private readonly byte[] _counterBlocks = new byte[BlockBytes];
    private readonly byte[] _buffer = new byte[BlockBytes];
    private ulong _counter;
    private int _position = BlockBytes;

    private MpPrng(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
    }

    /// <summary>A stream keyed with 32 fresh bytes from the operating system CSPRNG.</summary>
    public static MpPrng CreateSecure()
    {
        Span<byte> key = stackalloc byte[32];
        RandomNumberGenerator.Fill(key);
        var prng = new MpPrng(key);
        CryptographicOperations.ZeroMemory(key);
        return prng;
    }

    /// <summary>A deterministic stream: key = HMAC-SHA256(seed, domain). For public randomness and fixed-seed tests.</summary>
    public static MpPrng FromSeed(ReadOnlySpan<byte> seed, string domain)
    {
        Span<byte> key = stackalloc byte[32];
        HMACSHA256.HashData(seed, System.Text.Encoding.UTF8.GetBytes(domain), key);
        var prng = new MpPrng(key);
        CryptographicOperations.ZeroMemory(key);
        return prng;
    }

    public void Fill(Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_position == BlockBytes)
            {
                Refill();
            }

            int take = Math.Min(destination.Length, BlockBytes - _position);
            _buffer.AsSpan(_position, take).CopyTo(destination);
            CryptographicOperations.ZeroMemory(_buffer.AsSpan(_position, take));
            _position += take;
            destination = destination[take..];
        }
    }

    public ulong NextUInt64()
    {
        if (BlockBytes - _position < 8)
        {
            Refill();
        }

        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position, 8));
        CryptographicOperations.ZeroMemory(_buffer.AsSpan(_position, 8));
        _position += 8;
        return v;
    }

    /// <summary>Uniform double in (0, 1] with 53 bits.</summary>
    public double NextDoubleOpenZero() => ((NextUInt64() >> 11) + 1) * (1.0 / 9007199254740992.0);

    private void Refill()
    {
        for (int i = 0; i < BlockBytes; i += 16)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_counterBlocks.AsSpan(i, 8), _counter++);
            BinaryPrimitives.WriteUInt64LittleEndian(_counterBlocks.AsSpan(i + 8, 8), 0);
        }

        _aes.EncryptEcb(_counterBlocks, _buffer, PaddingMode.None);
        _position = 0;
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_buffer);
        _aes.Dispose();
    }
}
