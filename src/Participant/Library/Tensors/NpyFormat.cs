using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using SecAgg.Participant.Tensors.Internal;

namespace SecAgg.Participant.Tensors;

/// <summary>
/// Reads and writes numpy's <see href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">.npy</see>
/// format (versions 1.0, 2.0 and 3.0; float16/32/64 in either byte order, C order) and .npz archives of them.
/// Writes version 1.0 (2.0 when the header needs it), little-endian, C order, header padded to 64 bytes.
/// </summary>
public static partial class NpyFormat
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads one array from a .npy file; the tensor is named after the file (without extension).</summary>
    /// <exception cref="TensorFormatException">The file is not a supported .npy array.</exception>
    public static NamedTensor Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = File.OpenRead(path);
        return Read(stream, Path.GetFileNameWithoutExtension(path), path);
    }

    /// <summary>Reads one array from a stream positioned at a .npy header.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="name">The name to give the tensor.</param>
    /// <param name="sourceName">A name for error messages.</param>
    public static NamedTensor Read(Stream stream, string name, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, sourceName, "the magic string");
        if (!prefix[..6].SequenceEqual(Magic))
        {
            throw new TensorFormatException($"{sourceName}: missing the \\x93NUMPY magic string; this is not a .npy file.");
        }

        byte major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> length = stackalloc byte[2];
            ReadExactly(stream, length, sourceName, "the header length");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(length);
        }
        else if (major is 2 or 3)
        {
            Span<byte> length = stackalloc byte[4];
            ReadExactly(stream, length, sourceName, "the header length");
            uint value = BinaryPrimitives.ReadUInt32LittleEndian(length);
            headerLength = value <= 16 << 20 ? (int)value : throw new TensorFormatException($"{sourceName}: header length {value} is implausible.");
        }
        else
        {
            throw new TensorFormatException($"{sourceName}: .npy format version {major}.{prefix[7]} is not supported (1.0, 2.0 and 3.0 are).");
        }

        byte[] headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, sourceName, "the header");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        (TensorDType type, bool bigEndian, bool fortran, int[] shape) = ParseHeader(header, sourceName);
        if (fortran)
        {
            throw new TensorFormatException($"{sourceName}: the array is in Fortran order; save it with numpy.ascontiguousarray(...) first.");
        }

        int byteCount = DataBytes(shape, ElementCodec.SizeOf(type), stream, sourceName);
        int count = byteCount / ElementCodec.SizeOf(type);
        byte[] data = new byte[byteCount];
        ReadExactly(stream, data, sourceName, $"the {byteCount} data bytes");
        float[] values = new float[count];
        ElementCodec.Decode(data, type, bigEndian, values);
        return new NamedTensor(name, shape, values, type);
    }

    /// <summary>Writes one tensor to a .npy file atomically.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensor">The tensor.</param>
    /// <param name="type">Float32 (default) or Float16; numpy has no bfloat16.</param>
    public static void Write(string path, NamedTensor tensor, TensorDType type = TensorDType.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, stream => Write(stream, tensor, type));
    }

    /// <summary>Writes one tensor in .npy format to a stream.</summary>
    public static void Write(Stream stream, NamedTensor tensor, TensorDType type = TensorDType.Float32)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        string descr = type switch
        {
            TensorDType.Float32 => "<f4",
            TensorDType.Float16 => "<f2",
            _ => throw new ArgumentException($"numpy has no {type}; write Float32 or Float16 to .npy (or use .safetensors for BFloat16).", nameof(type)),
        };
        string shape = tensor.Shape.Count switch
        {
            0 => "()",
            1 => $"({tensor.Shape[0]},)",
            _ => $"({string.Join(", ", tensor.Shape)})",
        };
        string dictionary = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int prefixLength = dictionary.Length + 1 + 10 <= ushort.MaxValue ? 10 : 12;
        int total = (prefixLength + dictionary.Length + 1 + 63) / 64 * 64;
        string header = dictionary.PadRight(total - prefixLength - 1) + "\n";
        Span<byte> prefix = stackalloc byte[12];
        Magic.CopyTo(prefix);
        prefix[6] = (byte)(prefixLength == 10 ? 1 : 2);
        prefix[7] = 0;
        if (prefixLength == 10)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], (ushort)header.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(prefix[8..], (uint)header.Length);
        }

        stream.Write(prefix[..prefixLength]);
        stream.Write(Encoding.Latin1.GetBytes(header));
        byte[] data = new byte[checked(tensor.Length * ElementCodec.SizeOf(type))];
        ElementCodec.Encode(tensor.Values, type, data);
        stream.Write(data);
    }

    /// <summary>Reads every array of a .npz archive (compressed or not), in archive order; names drop the <c>.npy</c> suffix.</summary>
    public static IReadOnlyList<NamedTensor> ReadArchive(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            using ZipArchive archive = ZipFile.OpenRead(path);
            var tensors = new List<NamedTensor>(archive.Entries.Count);
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                {
                    throw new TensorFormatException($"{path}: member '{entry.FullName}' is not a .npy array.");
                }

                using Stream stream = entry.Open();
                tensors.Add(Read(stream, entry.FullName[..^4], $"{path}:{entry.FullName}"));
            }

            return tensors;
        }
        catch (InvalidDataException e)
        {
            throw new TensorFormatException($"{path}: not a valid .npz (zip) archive ({e.Message}).", e);
        }
    }

    /// <summary>Writes tensors to a .npz archive atomically (like numpy.savez_compressed when <paramref name="compress"/>).</summary>
    public static void WriteArchive(string path, IEnumerable<NamedTensor> tensors, TensorDType type = TensorDType.Float32, bool compress = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        AtomicFile.Write(path, stream =>
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (NamedTensor tensor in tensors)
            {
                if (!names.Add(tensor.Name))
                {
                    throw new ArgumentException($"Tensor name '{tensor.Name}' is used twice.", nameof(tensors));
                }

                ZipArchiveEntry entry = archive.CreateEntry(tensor.Name + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using Stream entryStream = entry.Open();
                Write(entryStream, tensor, type);
            }
        });
    }

    private static (TensorDType Type, bool BigEndian, bool Fortran, int[] Shape) ParseHeader(string header, string sourceName)
    {
        Match descr = DescrPattern().Match(header);
        Match fortran = FortranPattern().Match(header);
        Match shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw new TensorFormatException($"{sourceName}: the header '{header.Trim()}' lacks descr, fortran_order or shape.");
        }

        string d = descr.Groups[1].Value;
        bool bigEndian = d[0] == '>' || (d[0] == '=' && !BitConverter.IsLittleEndian);
        TensorDType type = d[1..] switch
        {
            "f4" => TensorDType.Float32,
            "f2" => TensorDType.Float16,
            "f8" => TensorDType.Float64,
            _ => throw new TensorFormatException(
                $"{sourceName}: dtype '{d}' is not supported; model updates must be float16, float32 or float64 (use arr.astype(numpy.float32))."),
        };
        int[] dims = shape.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s.TrimEnd('L'), out int v) && v >= 0 ? v : throw new TensorFormatException($"{sourceName}: bad dimension '{s}' in shape."))
            .ToArray();
        return (type, bigEndian, fortran.Groups[1].Value == "True", dims);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([<>|=][a-zA-Z]\d+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    /// <summary>
    /// The data size the header's shape claims, refused before anything is allocated when it cannot be an array this
    /// reader holds (over <see cref="Array.MaxLength"/> bytes) or when the file is shorter than the claim.
    /// </summary>
    private static int DataBytes(int[] shape, int elementSize, Stream stream, string sourceName)
    {
        string claimed = $"({string.Join(", ", shape)})";
        long bytes = elementSize;
        foreach (int d in shape)
        {
            if (d != 0 && bytes > Array.MaxLength / d)
            {
                throw new TensorFormatException($"{sourceName}: the header claims shape {claimed}, more than {Array.MaxLength:N0} bytes of data; an update this large is not supported (split the model into several tensors in a .safetensors or .npz file).");
            }

            bytes *= d;
        }

        if (stream.CanSeek && bytes > stream.Length - stream.Position)
        {
            throw new TensorFormatException($"{sourceName}: the header claims shape {claimed} ({bytes:N0} data bytes) but only {stream.Length - stream.Position:N0} bytes follow it; the file is truncated or its header is wrong.");
        }

        return (int)bytes;
    }

    private static void ReadExactly(Stream stream, Span<byte> destination, string sourceName, string what)
    {
        try
        {
            stream.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new TensorFormatException($"{sourceName}: the file ends inside {what}; it is truncated.", e);
        }
    }
}
