using System.Buffers.Binary;
using System.Text;

namespace SecAgg.Protocol.Internal;

/// <summary>
/// Reads what <see cref="ByteWriter"/> wrote, strictly: a field that runs past the end, a string that is not
/// valid UTF-8, or bytes left over at <see cref="End"/> throw <see cref="InvalidDataException"/> naming
/// <c>what</c> is being read and the field.
/// </summary>
internal ref struct ByteReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;
    private int _offset;

    public ByteReader(ReadOnlySpan<byte> data, string what)
    {
        _data = data;
        _what = what;
        _offset = 0;
    }

    public readonly int Remaining => _data.Length - _offset;

    public byte U8(string field) => Take(1, field)[0];

    public int U16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));

    public uint U32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));

    public ulong U64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));

    public double F64(string field) => BitConverter.Int64BitsToDouble((long)U64(field));

    public ReadOnlySpan<byte> Bytes(int count, string field) => Take(count, field);

    /// <summary>u16 LE byte length ‖ UTF-8; the length must be in 1..<paramref name="maxBytes"/>.</summary>
    public string String(string field, int maxBytes)
    {
        int length = U16(field + " length");
        if (length == 0 || length > maxBytes)
        {
            throw Fail($"{field} is {length} bytes long; it must be 1 to {maxBytes} bytes");
        }

        ReadOnlySpan<byte> utf8 = Take(length, field);
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw Fail($"{field} is not valid UTF-8");
        }
    }

    /// <summary>Throws unless every byte was read.</summary>
    /// <summary>u32 LE length ‖ that many bytes.</summary>
    public ReadOnlySpan<byte> LengthPrefixed(string field)
    {
        uint length = U32($"{field} length");
        return Take(length > int.MaxValue ? -1 : (int)length, field);
    }

    public readonly void End()
    {
        if (Remaining != 0)
        {
            throw Fail($"{Remaining} unexpected byte{(Remaining == 1 ? "" : "s")} after the last field");
        }
    }

    public readonly InvalidDataException Fail(string problem) => new($"The {_what} is malformed: {problem}.");

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw Fail($"it ends inside {field} (needs {count} bytes at offset {_offset}, {Remaining} left)");
        }

        ReadOnlySpan<byte> slice = _data.Slice(_offset, count);
        _offset += count;
        return slice;
    }
}
