using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Tests.V2;

/// <summary>
/// The stored upload (<see cref="EncryptedUpload"/> in a file): what <see cref="UpdateEncryptor.EncryptTo"/> writes as
/// the chunks are made opens with the commitment it returned and the chunks that commitment covers; files written by
/// the previous version still open (a site upgraded mid-round resumes); a damaged file, or a chunk changed after it was
/// opened, is refused rather than sent.
/// </summary>
public sealed class StoredUploadTests : IDisposable
{
    private const ulong Round = 1;
    private readonly InProcessRound _r = InProcessRound.Create(3, 2, 1, 2, HeScheme.Bfv);
    private readonly string _dir = Directory.CreateTempSubdirectory("secagg-stored-").FullName;

    public void Dispose()
    {
        _r.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private UpdateEncryptor Encryptor()
    {
        InProcessRound.Site site = _r["hospital-1"];
        RoundParameters round = site.Join(InProcessRound.Announcement(_r.Announce(Round)));
        return new UpdateEncryptor(round, site.Keys!.Secret, site.Signer, site.Id);
    }

    private static float[] Update() => [.. Enumerable.Range(0, InProcessRound.Dimension).Select(i => (float)Math.Sin(i) * 0.01f)];

    private string Path(string name) => System.IO.Path.Combine(_dir, name);

    private string Written(out UploadCommitment commitment)
    {
        string path = Path("upload.chunks");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            commitment = Encryptor().EncryptTo(Update(), 1, Guid.NewGuid(), file);
        }

        return path;
    }

    private EncryptedUpload WrittenDirectly(out string path)
    {
        path = Path("direct.chunks");
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        return Encryptor().EncryptToFile(Update(), 1, Guid.NewGuid(), file, path);
    }

    [Fact]
    public void EncryptToWritesAFileThatOpensWithTheReturnedCommitmentAndItsChunks()
    {
        string path = Written(out UploadCommitment commitment);
        EncryptedUpload stored = EncryptedUpload.Open(path);

        Assert.True(stored.IsStored);
        Assert.Equal(commitment.Encode(), stored.Commitment.Encode());
        Assert.True(commitment.Matches([.. Enumerable.Range(0, stored.ChunkCount).Select(i => (ReadOnlyMemory<byte>)SHA256.HashData(stored.ReadChunk(i)))]));
        Assert.Equal(4 + 1 + 4 + 4 + ((long)stored.ChunkCount * stored.ChunkBytes) + 2 + stored.SignedCommitment.Serialize().Length + 32, new FileInfo(path).Length);
    }

    [Fact]
    public void EncryptToRefusesABadUpdateOrWeightBeforeWritingAByte()
    {
        using var stream = new MemoryStream();
        var e = Assert.Throws<ArgumentException>(() => Encryptor().EncryptTo(new float[InProcessRound.Dimension - 1], 1, Guid.NewGuid(), stream));
        Assert.Contains($"{InProcessRound.Dimension - 1} values; the round's layout holds {InProcessRound.Dimension}", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Encryptor().EncryptTo(Update(), 0, Guid.NewGuid(), stream));
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void AnUploadInMemoryWrittenToAFileOpensWithTheSameChunksAndCommitment()
    {
        EncryptedUpload upload = Encryptor().Encrypt(Update(), 1, Guid.NewGuid());
        string path = Path("copy.chunks");
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            upload.WriteTo(file);
        }

        EncryptedUpload stored = EncryptedUpload.Open(path);
        Assert.Equal(upload.SignedCommitment.Serialize(), stored.SignedCommitment.Serialize());
        Assert.Equal(upload.ChunkCount, stored.ChunkCount);
        for (int i = 0; i < upload.ChunkCount; i++)
        {
            Assert.Equal(upload.Chunks[i], stored.ReadChunk(i));
        }
    }

    [Fact]
    public void AVersion1FileWrittenBeforeTheChangeStillOpens()
    {
        EncryptedUpload upload = Encryptor().Encrypt(Update(), 1, Guid.NewGuid());
        byte[] signed = upload.SignedCommitment.Serialize();
        var v1 = new List<byte>();
        v1.AddRange("SAEU"u8.ToArray());
        v1.Add(1);
        v1.AddRange(Le16(signed.Length));
        v1.AddRange(signed);
        v1.AddRange(Le32(upload.ChunkCount));
        v1.AddRange(Le32(upload.ChunkBytes));
        foreach (byte[] chunk in upload.Chunks)
        {
            v1.AddRange(chunk);
        }

        v1.AddRange(SHA256.HashData([.. v1]));
        string path = Path("v1.chunks");
        File.WriteAllBytes(path, [.. v1]);

        EncryptedUpload stored = EncryptedUpload.Open(path);
        Assert.Equal(signed, stored.SignedCommitment.Serialize());
        Assert.Equal(upload.Chunks[^1], stored.ReadChunk(upload.ChunkCount - 1));
    }

    [Theory]
    [InlineData("chunk byte", "checksum mismatch")]
    [InlineData("truncated", "truncated")]
    [InlineData("halved", "do not fit")]
    [InlineData("version", "not a version-1 or version-2 stored upload")]
    [InlineData("appended", "where the 32-byte checksum should end it")]
    public void ADamagedFileIsRefusedAndSaysNotToEncryptTheRoundAgain(string damage, string expected)
    {
        string path = Written(out _);
        byte[] bytes = File.ReadAllBytes(path);
        byte[] damaged = damage switch
        {
            "chunk byte" => Flip(bytes, 13 + 100),
            "truncated" => bytes[..^10],
            "halved" => bytes[..(bytes.Length / 2)],
            "version" => Set(bytes, 4, 3),
            _ => [.. bytes, 0],
        };
        File.WriteAllBytes(path, damaged);

        var e = Assert.Throws<InvalidDataException>(() => EncryptedUpload.Open(path));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("Do not encrypt the round again", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AChunkChangedAfterTheFileWasOpenedIsNotRead()
    {
        string path = Written(out _);
        EncryptedUpload stored = EncryptedUpload.Open(path);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 13 + stored.ChunkBytes + 7; // inside chunk 1
            int b = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(b ^ 1));
        }

        Assert.Equal(stored.ChunkDigests[0].ToArray(), SHA256.HashData(stored.ReadChunk(0)));
        var e = Assert.Throws<InvalidDataException>(() => stored.ReadChunk(1));
        Assert.Contains("Chunk 1 of the stored upload", e.Message, StringComparison.Ordinal);
        Assert.Contains("changed after it was opened", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncryptToFileReturnsTheUploadTheFileOpensAsWithoutReadingItBack()
    {
        EncryptedUpload written = WrittenDirectly(out string path);
        EncryptedUpload opened = EncryptedUpload.Open(path);
        Assert.True(written.IsStored);
        Assert.Equal(opened.SignedCommitment.Serialize(), written.SignedCommitment.Serialize());
        Assert.Equal(1UL, written.Weight);
        Assert.Equal(opened.ChunkCount, written.ChunkCount);
        Assert.Equal(opened.ChunkBytes, written.ChunkBytes);
        Assert.Equal(opened.ChunkDigests.Select(d => d.ToArray()), written.ChunkDigests.Select(d => d.ToArray()));
        Assert.True(written.ChunkCount > 1);
        for (int i = 0; i < written.ChunkCount; i++)
        {
            Assert.Equal(opened.ReadChunk(i), written.ReadChunk(i));
        }
    }

    [Fact]
    public void AChunkChangedAfterEncryptToFileWroteItIsNotSent()
    {
        EncryptedUpload written = WrittenDirectly(out string path);
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 13 + 5; // inside chunk 0
            int b = file.ReadByte();
            file.Position--;
            file.WriteByte((byte)(b ^ 0x40));
        }

        var e = Assert.Throws<InvalidDataException>(() => written.ReadChunk(0));
        Assert.Contains("Chunk 0 of the stored upload", e.Message, StringComparison.Ordinal);
        Assert.Equal(written.ChunkDigests[1].ToArray(), SHA256.HashData(written.ReadChunk(1)));
    }

    private static byte[] Le16(int v)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)v);
        return b;
    }

    private static byte[] Le32(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)v);
        return b;
    }

    private static byte[] Flip(byte[] bytes, int at) => Set(bytes, at, (byte)(bytes[at] ^ 0x40));

    private static byte[] Set(byte[] bytes, int at, byte value)
    {
        byte[] copy = [.. bytes];
        copy[at] = value;
        return copy;
    }
}
