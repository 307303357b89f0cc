using System.Globalization;
using SecAgg.Participant.Tensors;

namespace SecAgg.Participant.Tests.Tensors;

public sealed class NpyFormatTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("secagg-npy-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("<f4", "(3, 4)")]
    [InlineData("<f2", "(5,)")]
    [InlineData(">f8", "(2, 1, 3)")]
    [InlineData("<f4", "()")]
    public void ReadsArraysSavedByNumpy(string dtype, string shape)
    {
        string path = Path.Combine(_directory, "a.npy");
        string expected = PythonReference.Run(
            $$"""
            import sys, numpy as np
            rng = np.random.default_rng(11)
            a = rng.standard_normal({{shape}}).astype("{{dtype}}")
            np.save(sys.argv[1], a)
            print(list(a.shape), " ".join(repr(float(np.float32(v))) for v in a.flatten()))
            """,
            path);

        NamedTensor tensor = NpyFormat.Read(path);

        string[] parts = expected.Trim().Split("] ");
        Assert.Equal(parts[0] + "]", "[" + string.Join(", ", tensor.Shape) + "]");
        Assert.Equal(parts[1].Split(' ').Select(p => float.Parse(p, CultureInfo.InvariantCulture)), tensor.Values);
        Assert.Equal("a", tensor.Name);
    }

    [Fact]
    public void ReadsACompressedArchiveSavedByNumpy()
    {
        string path = Path.Combine(_directory, "update.npz");
        PythonReference.Run(
            """
            import sys, numpy as np
            np.savez_compressed(sys.argv[1], weight=np.arange(6, dtype=np.float32).reshape(2, 3), bias=np.array([0.5, -1], dtype=np.float16))
            """,
            path);

        IReadOnlyList<NamedTensor> tensors = TensorFile.Read(path);

        Assert.Equal(["weight", "bias"], tensors.Select(t => t.Name));
        Assert.Equal([0f, 1f, 2f, 3f, 4f, 5f], tensors[0].Values);
        Assert.Equal([2, 3], tensors[0].Shape);
        Assert.Equal([0.5f, -1f], tensors[1].Values);
    }

    [Fact]
    public void NumpyReadsWhatWeWrite()
    {
        string npy = Path.Combine(_directory, "w.npy");
        string npz = Path.Combine(_directory, "m.npz");
        TensorFile.Write(npy, [new NamedTensor("w", [2, 2], [1f, -0.5f, 3.25f, 1e-3f])]);
        TensorFile.Write(npz, [new NamedTensor("x", [3], [1f, 2f, 3f]), new NamedTensor("y", [1, 1], [-4f])], TensorDType.Float16);

        string output = PythonReference.Run(
            """
            import sys, numpy as np
            w = np.load(sys.argv[1]); m = np.load(sys.argv[2])
            print(w.dtype, w.shape, w.flatten().tolist())
            print(m["x"].dtype, m["x"].tolist(), m["y"].shape, m["y"].tolist())
            """,
            npy,
            npz);

        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("float32 (2, 2) [1.0, -0.5, 3.25, 0.0010000000474974513]", lines[0]);
        Assert.Equal("float16 [1.0, 2.0, 3.0] (1, 1) [[-4.0]]", lines[1]);
    }

    [Fact]
    public void FortranOrderIsRefusedWithAdvice()
    {
        string path = Path.Combine(_directory, "f.npy");
        PythonReference.Run("import sys, numpy as np; np.save(sys.argv[1], np.asfortranarray(np.ones((2, 3), np.float32)))", path);
        var e = Assert.Throws<TensorFormatException>(() => NpyFormat.Read(path));
        Assert.Contains("ascontiguousarray", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IntegerArraysAreRefusedWithAdvice()
    {
        string path = Path.Combine(_directory, "i.npy");
        PythonReference.Run("import sys, numpy as np; np.save(sys.argv[1], np.arange(3))", path);
        var e = Assert.Throws<TensorFormatException>(() => NpyFormat.Read(path));
        Assert.Contains("astype(numpy.float32)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedArrayIsRefused()
    {
        string path = Path.Combine(_directory, "t.npy");
        NpyFormat.Write(path, new NamedTensor("t", [100], new float[100]));
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var e = Assert.Throws<TensorFormatException>(() => NpyFormat.Read(path));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(1000000, 1000000)", "more than")]
    [InlineData("(2147483647, 2147483647, 2147483647)", "more than")]
    [InlineData("(1000, 1000)", "only 16 bytes follow")]
    public void AHeaderClaimingAnAbsurdShapeIsRefusedWithItsNumbers(string shape, string expected)
    {
        string path = Path.Combine(_directory, "huge.npy");
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        header = header.PadRight(64 - 10 - 1) + "\n";
        using (var file = File.Create(path))
        {
            file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0]);
            file.Write(System.Text.Encoding.Latin1.GetBytes(header));
            file.Write(new byte[16]);
        }

        var e = Assert.Throws<TensorFormatException>(() => NpyFormat.Read(path));
        Assert.Contains(shape, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WritingBFloat16ToNpyIsRefused() =>
        Assert.Throws<ArgumentException>(() => NpyFormat.Write(Path.Combine(_directory, "b.npy"), new NamedTensor("b", [1], [1f]), TensorDType.BFloat16));

    [Fact]
    public void AnUnknownExtensionIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => TensorFile.Read(Path.Combine(_directory, "model.pt")));
        Assert.Equal("path", e.ParamName);
    }

    [Fact]
    public void TheHeaderIsPaddedToSixtyFourBytes()
    {
        string path = Path.Combine(_directory, "p.npy");
        NpyFormat.Write(path, new NamedTensor("p", [7], new float[7]));
        Assert.Equal(0, (new FileInfo(path).Length - (7 * 4)) % 64);
    }
}
