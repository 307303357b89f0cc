using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using SecAgg.Participant.Tensors;
using SecAgg.Participant.Tensors.Internal;

namespace SecAgg.Participant.Tests.Tensors;

public sealed class SafeTensorsFormatTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("secagg-st-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(TensorDType.Float32)]
    [InlineData(TensorDType.Float16)]
    [InlineData(TensorDType.BFloat16)]
    public void WriteThenReadGivesBackTheSameTensors(TensorDType type)
    {
        string path = Path.Combine(_directory, "update.safetensors");
        NamedTensor[] tensors =
        [
            new("layer1.weight", [2, 3], [1f, -2f, 0.5f, 0.25f, 96f, -0.125f]),
            new("layer1.bias", [3], [0f, 1.5f, -3f]),
            new("scalar", [], [7f]),
        ];
        SafeTensorsFormat.Write(path, tensors, type, new Dictionary<string, string> { ["round"] = "3" });

        IReadOnlyList<NamedTensor> read = SafeTensorsFormat.Read(path, out var metadata);

        Assert.Equal("3", metadata["round"]);
        Assert.Equal(tensors.Select(t => t.Name), read.Select(t => t.Name));
        for (int i = 0; i < tensors.Length; i++)
        {
            Assert.Equal(tensors[i].Shape, read[i].Shape);
            Assert.Equal(tensors[i].Values, read[i].Values);
            Assert.Equal(type, read[i].SourceType);
        }
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        Assert.Equal(0x3F80, ElementCodec.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808000))); // tie, even below
        Assert.Equal(0x3F82, ElementCodec.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F818000))); // tie, even above
        Assert.Equal(0x3F81, ElementCodec.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808001))); // above the tie
        Assert.True(float.IsNaN(BitConverter.Int32BitsToSingle(ElementCodec.ToBFloat16(float.NaN) << 16)));
    }

    [Fact]
    public void ReadsAFileWrittenByPythonTorch()
    {
        string path = Path.Combine(_directory, "torch.safetensors");
        // The writer follows the safetensors specification with struct/json and takes F16/BF16 bytes from torch itself.
        string expected = PythonReference.Run(
            """
            import json, struct, sys, torch
            torch.manual_seed(7)
            tensors = {"w.bf16": torch.randn(4, 5).to(torch.bfloat16), "b.f16": torch.randn(5).to(torch.float16), "x.f32": torch.randn(3, 2)}
            names = {"w.bf16": "BF16", "b.f16": "F16", "x.f32": "F32"}
            header, blobs, offset = {"__metadata__": {"framework": "pt"}}, [], 0
            for name, t in tensors.items():
                data = t.contiguous().view(torch.int16 if t.element_size() == 2 else torch.int32).numpy().tobytes()
                header[name] = {"dtype": names[name], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
                offset += len(data); blobs.append(data)
            h = json.dumps(header).encode()
            with open(sys.argv[1], "wb") as f:
                f.write(struct.pack("<Q", len(h))); f.write(h); f.write(b"".join(blobs))
            for name, t in tensors.items():
                print(name, " ".join(repr(float(v)) for v in t.float().flatten().tolist()))
            """,
            path);

        IReadOnlyList<NamedTensor> read = SafeTensorsFormat.Read(path, out var metadata);

        Assert.Equal("pt", metadata["framework"]);
        foreach (string line in expected.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ');
            NamedTensor tensor = Assert.Single(read, t => t.Name == parts[0]);
            Assert.Equal(parts.Skip(1).Select(p => float.Parse(p, CultureInfo.InvariantCulture)), tensor.Values);
        }
    }

    [Fact]
    public void PythonReadsWhatWeWrite()
    {
        string path = Path.Combine(_directory, "ours.safetensors");
        float[] values = [0.1f, -1e-3f, 3.14159f, 65504f, -2.5f, 1e-8f];
        SafeTensorsFormat.Write(path, [new NamedTensor("a", [2, 3], values), new NamedTensor("b", [2], [1f, 2f], TensorDType.BFloat16)]);

        string output = PythonReference.Run(
            """
            import json, struct, sys, torch
            raw = open(sys.argv[1], "rb").read()
            n = struct.unpack("<Q", raw[:8])[0]
            assert (8 + n) % 8 == 0, "buffer not aligned"
            header = json.loads(raw[8:8 + n])
            buf = raw[8 + n:]
            for name in ("a", "b"):
                e = header[name]; b, end = e["data_offsets"]
                dt = {"F32": torch.float32, "BF16": torch.bfloat16}[e["dtype"]]
                t = torch.frombuffer(bytearray(buf[b:end]), dtype=dt).reshape(e["shape"])
                print(name, list(t.shape), " ".join(repr(float(v)) for v in t.float().flatten().tolist()))
            """,
            path);

        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("a [2, 3] ", lines[0], StringComparison.Ordinal);
        Assert.Equal(values, lines[0].Split(' ').Skip(3).Select(p => float.Parse(p, CultureInfo.InvariantCulture)));
        Assert.Equal("b [2] 1.0 2.0", lines[1]);
    }

    [Fact]
    public void OverlappingTensorsAreRefused()
    {
        string path = WriteRaw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8);
        var e = Assert.Throws<TensorFormatException>(() => SafeTensorsFormat.Read(path));
        Assert.Contains("'b' overlaps", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHoleInTheBufferIsRefused()
    {
        string path = WriteRaw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8);
        var e = Assert.Throws<TensorFormatException>(() => SafeTensorsFormat.Read(path));
        Assert.Contains("hole", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AShapeThatDisagreesWithTheOffsetsIsRefused()
    {
        string path = WriteRaw("""{"a":{"dtype":"F16","shape":[3],"data_offsets":[0,8]}}""", 8);
        var e = Assert.Throws<TensorFormatException>(() => SafeTensorsFormat.Read(path));
        Assert.Contains("span 8 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IntegerTensorsAreRefusedWithAdvice()
    {
        string path = WriteRaw("""{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", 8);
        var e = Assert.Throws<TensorFormatException>(() => SafeTensorsFormat.Read(path));
        Assert.Contains("I64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedFileIsRefused()
    {
        string path = WriteRaw("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8);
        var e = Assert.Throws<TensorFormatException>(() => SafeTensorsFormat.Read(path));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrailingBytesAfterTheLastTensorAreRefused()
    {
        string path = WriteRaw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8);
        var e = Assert.Throws<TensorFormatException>(() => SafeTensorsFormat.Read(path));
        Assert.Contains("4 bytes follow", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotSafetensorsIsRefused()
    {
        string path = Path.Combine(_directory, "junk.safetensors");
        File.WriteAllText(path, "this is not a tensor file at all");
        Assert.Throws<TensorFormatException>(() => SafeTensorsFormat.Read(path));
    }

    private string WriteRaw(string header, int bufferBytes)
    {
        string path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".safetensors");
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] file = new byte[8 + json.Length + bufferBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        File.WriteAllBytes(path, file);
        return path;
    }
}
