using System.Buffers;

namespace SecAgg.Proto.V1;

/// <summary>
/// The protobuf wire format read by hand, for the few messages whose megabyte bytes fields are parsed without the
/// generated parser's fresh copy (the aggregator's upload chunks and decryption shares, the participant's model runs):
/// varints, length-delimited fields as slices of the payload, and skipping a field of a known wire type.
/// </summary>
public static class WireReader
{
    /// <summary>Reads a base-128 varint of at most 10 bytes whose value fits 64 bits (a 10th byte above 1 is refused).</summary>
    public static bool TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (!reader.TryRead(out byte b))
            {
                return false;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return shift < 63 || b <= 1;
            }
        }

        return false;
    }

    /// <summary>Reads a length-delimited field's body (a slice of the payload, no copy); false when it runs past the end.</summary>
    public static bool TryReadLength(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> body)
    {
        body = default;
        if (!TryReadVarint(ref reader, out ulong length) || length > (ulong)reader.Remaining)
        {
            return false;
        }

        body = reader.Sequence.Slice(reader.Position, (long)length);
        reader.Advance((long)length);
        return true;
    }

    /// <summary>Skips the value of a field of <paramref name="wireType"/> (varint, 64-bit, length-delimited or 32-bit); false for the group types and 6, 7, or a value cut short.</summary>
    public static bool TrySkip(ref SequenceReader<byte> reader, int wireType)
    {
        switch (wireType)
        {
            case 0:
                return TryReadVarint(ref reader, out _);
            case 1 when reader.Remaining >= 8:
                reader.Advance(8);
                return true;
            case 2:
                return TryReadLength(ref reader, out _);
            case 5 when reader.Remaining >= 4:
                reader.Advance(4);
                return true;
            default:
                return false;
        }
    }
}
