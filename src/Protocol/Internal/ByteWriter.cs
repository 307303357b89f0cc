using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SecAgg.Protocol.Internal;

/// <summary>
/// Builds a canonical binary encoding: fixed-width little-endian integers, IEEE-754 bits for doubles,
/// fixed-length byte fields, and strings as u16 LE byte length ‖ UTF-8. The counterpart of <see cref="ByteReader"/>.
/// </summary>
internal sealed class ByteWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public ByteWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void U8(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void U16(int value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.GetSpan(2), checked((ushort)value));
        _buffer.Advance(2);
    }

    public void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void F64(double value) => U64((ulong)BitConverter.DoubleToInt64Bits(value));

    public void Bytes(ReadOnlySpan<byte> value) => _buffer.Write(value);

    /// <summary>u16 LE byte length ‖ UTF-8.</summary>
    public void String(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        U16(utf8.Length);
        Bytes(utf8);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
