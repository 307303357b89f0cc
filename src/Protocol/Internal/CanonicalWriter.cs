using System.Security.Cryptography;
using System.Text;

namespace SecAgg.Protocol.Internal;

/// <summary>
/// Canonical byte encoding for digests: fixed-width little-endian integers, IEEE-754 bits for
/// doubles, length-prefixed UTF-8 strings and byte strings. Independent of protobuf field order or
/// unknown fields, so two implementations that agree on the values agree on the digest.
/// </summary>
internal sealed class CanonicalWriter
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buf = new byte[8];

    public CanonicalWriter(string domain) => Write(domain);

    public void Write(ulong value)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(_buf, value);
        _hash.AppendData(_buf, 0, 8);
    }

    public void Write(double value) => Write((ulong)BitConverter.DoubleToInt64Bits(value));

    public void Write(string value) => Write(Encoding.UTF8.GetBytes(value));

    public void Write(ReadOnlySpan<byte> value)
    {
        Write((ulong)value.Length);
        _hash.AppendData(value);
    }

    public byte[] Finish()
    {
        byte[] digest = _hash.GetHashAndReset();
        _hash.Dispose();
        return digest;
    }
}
