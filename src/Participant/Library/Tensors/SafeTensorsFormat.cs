using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SecAgg.Participant.Tensors.Internal;

namespace SecAgg.Participant.Tensors;

/// <summary>
/// Reads and writes the <see href="https://github.com/huggingface/safetensors">safetensors</see> format:
/// an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}</c>),
/// then the byte buffer the offsets index. Element types F32, F16, BF16 and F64 are read; F32, F16 and BF16 are written.
/// </summary>
/// <remarks>
/// Reading enforces the format's rules: the header is at most 100 MB and is a JSON object, every tensor's byte
/// range matches its dtype and shape, ranges neither overlap nor leave holes, and the buffer ends where the last range does.
/// Tensors are returned in buffer order.
/// </remarks>
public static class SafeTensorsFormat
{
    /// <summary>The largest header accepted, as in the reference implementation.</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Reads every tensor of a safetensors file.</summary>
    /// <exception cref="TensorFormatException">The file is not valid safetensors or holds an unsupported dtype.</exception>
    public static IReadOnlyList<NamedTensor> Read(string path) => Read(path, out _);

    /// <summary>Reads every tensor of a safetensors file, and its free-form <c>__metadata__</c> map.</summary>
    /// <exception cref="TensorFormatException">The file is not valid safetensors or holds an unsupported dtype.</exception>
    public static IReadOnlyList<NamedTensor> Read(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = File.OpenRead(path);
        return Read(stream, path, out metadata);
    }

    /// <summary>Reads every tensor from a stream positioned at the start of a safetensors file.</summary>
    /// <param name="stream">The stream; read to the end of the tensor buffer.</param>
    /// <param name="sourceName">A name for error messages (a path, say).</param>
    /// <param name="metadata">The file's <c>__metadata__</c> map (empty when absent).</param>
    public static IReadOnlyList<NamedTensor> Read(Stream stream, string sourceName, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(stream, lengthBytes, sourceName, "the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
        {
            throw new TensorFormatException(
                $"{sourceName}: header length {headerLength} is outside 2..{MaxHeaderBytes} bytes; this is not a safetensors file.");
        }

        byte[] header = new byte[headerLength];
        ReadExactly(stream, header, sourceName, $"the {headerLength}-byte JSON header");
        var entries = new List<(string Name, TensorDType Type, int[] Shape, long Begin, long End)>();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using JsonDocument document = JsonDocument.Parse(header.AsMemory().TrimEnd((byte)' '));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new TensorFormatException($"{sourceName}: the header is JSON but not an object.");
            }

            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    foreach (JsonProperty item in property.Value.EnumerateObject())
                    {
                        meta[item.Name] = item.Value.ValueKind == JsonValueKind.String
                            ? item.Value.GetString()!
                            : throw new TensorFormatException($"{sourceName}: __metadata__ value '{item.Name}' is not a string.");
                    }

                    continue;
                }

                entries.Add(ParseEntry(property, sourceName));
            }
        }
        catch (JsonException e)
        {
            throw new TensorFormatException($"{sourceName}: the header is not valid JSON ({e.Message}).", e);
        }
        catch (InvalidOperationException e)
        {
            throw new TensorFormatException($"{sourceName}: the header does not have the safetensors shape ({e.Message}).", e);
        }

        entries.Sort((x, y) => x.Begin.CompareTo(y.Begin));
        long expected = 0;
        foreach (var entry in entries)
        {
            if (entry.Begin != expected)
            {
                throw new TensorFormatException(entry.Begin < expected
                    ? $"{sourceName}: tensor '{entry.Name}' overlaps the tensor before it (starts at byte {entry.Begin}, expected {expected})."
                    : $"{sourceName}: the buffer has a hole before tensor '{entry.Name}' (bytes {expected}..{entry.Begin} belong to no tensor).");
            }

            expected = entry.End;
        }

        var tensors = new List<NamedTensor>(entries.Count);
        byte[] buffer = [];
        foreach (var entry in entries)
        {
            int byteCount = checked((int)(entry.End - entry.Begin));
            if (buffer.Length < byteCount)
            {
                buffer = new byte[byteCount];
            }

            ReadExactly(stream, buffer.AsSpan(0, byteCount), sourceName, $"the {byteCount} bytes of tensor '{entry.Name}'");
            float[] values = new float[byteCount / ElementCodec.SizeOf(entry.Type)];
            ElementCodec.Decode(buffer.AsSpan(0, byteCount), entry.Type, bigEndian: false, values);
            tensors.Add(new NamedTensor(entry.Name, entry.Shape, values, entry.Type));
        }

        if (stream.CanSeek && stream.Position != stream.Length)
        {
            throw new TensorFormatException(
                $"{sourceName}: {stream.Length - stream.Position} bytes follow the last tensor; the header does not index the whole buffer.");
        }

        metadata = meta;
        return tensors;
    }

    /// <summary>Writes tensors to a safetensors file atomically (a temporary file renamed over <paramref name="path"/>).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">The tensors, written in this order; names must be unique.</param>
    /// <param name="type">The element type to write, or null for each tensor's <see cref="NamedTensor.SourceType"/>.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings.</param>
    public static void Write(string path, IEnumerable<NamedTensor> tensors, TensorDType? type = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, stream => Write(stream, tensors, type, metadata));
    }

    /// <summary>Writes tensors in safetensors format to a stream.</summary>
    public static void Write(Stream stream, IEnumerable<NamedTensor> tensors, TensorDType? type = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        List<NamedTensor> list = [.. tensors];
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (NamedTensor tensor in list)
            {
                if (tensor.Name == MetadataKey || !names.Add(tensor.Name))
                {
                    throw new ArgumentException($"Tensor name '{tensor.Name}' is reserved or used twice.", nameof(tensors));
                }

                TensorDType t = CheckWritable(type ?? tensor.SourceType, nameof(type));
                long size = (long)tensor.Length * ElementCodec.SizeOf(t);
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", Name(t));
                writer.WriteStartArray("shape");
                foreach (int d in tensor.Shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + size);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += size;
            }

            writer.WriteEndObject();
        }

        // Pad the header with spaces so the buffer starts 8-byte aligned, as the reference writer does.
        int padding = (int)((8 - (json.Length % 8)) % 8);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)(json.Length + padding));
        stream.Write(lengthBytes);
        json.Position = 0;
        json.CopyTo(stream);
        for (int i = 0; i < padding; i++)
        {
            stream.WriteByte((byte)' ');
        }

        byte[] buffer = [];
        foreach (NamedTensor tensor in list)
        {
            TensorDType t = type ?? tensor.SourceType;
            int size = checked(tensor.Length * ElementCodec.SizeOf(t));
            if (buffer.Length < size)
            {
                buffer = new byte[size];
            }

            ElementCodec.Encode(tensor.Values, t, buffer);
            stream.Write(buffer, 0, size);
        }
    }

    internal static TensorDType CheckWritable(TensorDType type, string paramName) =>
        type is TensorDType.Float32 or TensorDType.Float16 or TensorDType.BFloat16
            ? type
            : throw new ArgumentException($"Writing {type} is not supported; write Float32, Float16 or BFloat16.", paramName);

    private static string Name(TensorDType type) => type switch
    {
        TensorDType.Float32 => "F32",
        TensorDType.Float16 => "F16",
        TensorDType.BFloat16 => "BF16",
        _ => "F64",
    };

    private static (string, TensorDType, int[], long, long) ParseEntry(JsonProperty property, string sourceName)
    {
        string name = property.Name;
        if (name.Length == 0)
        {
            throw new TensorFormatException($"{sourceName}: a tensor has an empty name.");
        }

        JsonElement value = property.Value;
        string dtype = value.GetProperty("dtype").GetString() ?? string.Empty;
        TensorDType type = dtype switch
        {
            "F32" => TensorDType.Float32,
            "F16" => TensorDType.Float16,
            "BF16" => TensorDType.BFloat16,
            "F64" => TensorDType.Float64,
            _ => throw new TensorFormatException(
                $"{sourceName}: tensor '{name}' has dtype {dtype}; only F32, F16, BF16 and F64 model updates are supported (convert integer tensors to float first)."),
        };
        int[] shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        long[] offsets = value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
        {
            throw new TensorFormatException($"{sourceName}: tensor '{name}' has data_offsets [{string.Join(", ", offsets)}]; expected [begin, end] with 0 <= begin <= end.");
        }

        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new TensorFormatException($"{sourceName}: tensor '{name}' has a negative dimension.");
            }

            count = checked(count * d);
        }

        if (count * ElementCodec.SizeOf(type) != offsets[1] - offsets[0])
        {
            throw new TensorFormatException(
                $"{sourceName}: tensor '{name}' has shape [{string.Join(", ", shape)}] of {dtype} ({count * ElementCodec.SizeOf(type)} bytes) but its data_offsets span {offsets[1] - offsets[0]} bytes.");
        }

        return (name, type, shape, offsets[0], offsets[1]);
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
