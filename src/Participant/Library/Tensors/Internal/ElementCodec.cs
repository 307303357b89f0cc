using System.Buffers.Binary;

namespace SecAgg.Participant.Tensors.Internal;

/// <summary>Little-endian element encoding and decoding shared by the safetensors and numpy formats.</summary>
internal static class ElementCodec
{
    public static int SizeOf(TensorDType type) => type switch
    {
        TensorDType.Float32 => 4,
        TensorDType.Float16 => 2,
        TensorDType.BFloat16 => 2,
        TensorDType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown tensor element type."),
    };

    /// <summary>Decodes <paramref name="destination"/>.Length elements of <paramref name="type"/>.</summary>
    public static void Decode(ReadOnlySpan<byte> source, TensorDType type, bool bigEndian, Span<float> destination)
    {
        int size = SizeOf(type);
        for (int i = 0; i < destination.Length; i++)
        {
            ReadOnlySpan<byte> b = source.Slice(i * size, size);
            destination[i] = type switch
            {
                TensorDType.Float32 => BitConverter.Int32BitsToSingle(bigEndian ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b)),
                TensorDType.Float16 => (float)BitConverter.Int16BitsToHalf(bigEndian ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b)),
                TensorDType.BFloat16 => BitConverter.Int32BitsToSingle((bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b)) << 16),
                _ => (float)BitConverter.Int64BitsToDouble(bigEndian ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b)),
            };
        }
    }

    /// <summary>Encodes <paramref name="source"/> little-endian as <paramref name="type"/> (round to nearest even).</summary>
    public static void Encode(ReadOnlySpan<float> source, TensorDType type, Span<byte> destination)
    {
        int size = SizeOf(type);
        for (int i = 0; i < source.Length; i++)
        {
            Span<byte> b = destination.Slice(i * size, size);
            switch (type)
            {
                case TensorDType.Float32:
                    BinaryPrimitives.WriteSingleLittleEndian(b, source[i]);
                    break;
                case TensorDType.Float16:
                    BinaryPrimitives.WriteHalfLittleEndian(b, (Half)source[i]);
                    break;
                case TensorDType.BFloat16:
                    BinaryPrimitives.WriteUInt16LittleEndian(b, ToBFloat16(source[i]));
                    break;
                default:
                    BinaryPrimitives.WriteDoubleLittleEndian(b, source[i]);
                    break;
            }
        }
    }

    /// <summary>Rounds a binary32 to bfloat16 bits, to nearest with ties to even; NaN stays a (quiet) NaN.</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}
