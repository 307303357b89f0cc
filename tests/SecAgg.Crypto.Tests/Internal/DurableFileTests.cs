using SecAgg.Crypto.Internal;
using Xunit;

namespace SecAgg.Crypto.Tests.Internal;

public sealed class DurableFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "secagg-durable-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void WriteCreatesTheDirectoryAndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_directory, "nested", "a.bin");
        Assert.True(DurableFile.Write(path, new byte[] { 1, 2, 3 }));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal(["a.bin"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteWithoutOverwriteKeepsTheExistingContentAndSaysSo()
    {
        string path = Path.Combine(_directory, "a.bin");
        Assert.True(DurableFile.Write(path, new byte[] { 1 }, overwrite: false));
        Assert.False(DurableFile.Write(path, new byte[] { 2 }, overwrite: false));
        Assert.Equal(new byte[] { 1 }, File.ReadAllBytes(path));
        Assert.True(DurableFile.Write(path, new byte[] { 3 }, overwrite: true));
        Assert.Equal(new byte[] { 3 }, File.ReadAllBytes(path));
    }

    [Fact]
    public void AFailingWriterLeavesTheOldContentAndNoTemporaryFile()
    {
        string path = Path.Combine(_directory, "a.bin");
        DurableFile.Write(path, new byte[] { 7, 7 });
        Assert.Throws<InvalidOperationException>(() => DurableFile.Write(path, stream =>
        {
            stream.WriteByte(9);
            throw new InvalidOperationException("writer failed half way");
        }));
        Assert.Equal(new byte[] { 7, 7 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void WriteAppliesTheRequestedUnixMode()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string path = Path.Combine(_directory, "secret.bin");
        DurableFile.Write(path, new byte[] { 1 }, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
