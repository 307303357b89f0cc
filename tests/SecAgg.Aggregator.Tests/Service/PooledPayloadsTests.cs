using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Aggregator.Service.Api;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Tests.Service;

public sealed class PooledPayloadsTests
{
    private static readonly Func<DeserializationContext, CiphertextUploadMessage> UploadParser = c => CiphertextUploadMessage.Parser.ParseFrom(c.PayloadAsReadOnlySequence());
    private static readonly Func<DeserializationContext, DecryptionShare> ShareParser = c => DecryptionShare.Parser.ParseFrom(c.PayloadAsReadOnlySequence());

    /// <summary>A request body as grpc-dotnet hands it over, split into segments of <paramref name="segment"/> bytes.</summary>
    private sealed class Body(byte[] bytes, int segment) : DeserializationContext
    {
        public override int PayloadLength => bytes.Length;

        public override byte[] PayloadAsNewBuffer() => bytes.ToArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence()
        {
            Segment? first = null, last = null;
            for (int i = 0; i < bytes.Length; i += segment)
            {
                var next = new Segment(bytes.AsMemory(i, Math.Min(segment, bytes.Length - i)), last);
                first ??= next;
                last = next;
            }

            return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
        }

        private sealed class Segment : ReadOnlySequenceSegment<byte>
        {
            public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
            {
                Memory = memory;
                if (previous is not null)
                {
                    RunningIndex = previous.RunningIndex + previous.Memory.Length;
                    previous.Next = this;
                }
            }
        }
    }

    private static byte[] Payload(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * 131) ^ seed))];

    public static TheoryData<byte[]> Uploads() =>
    [
        new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 7, ChunkIndex = 3, Ciphertext = ByteString.CopyFrom(Payload(300_001, 1)) } }.ToByteArray(),
        new CiphertextUploadMessage { Chunk = new CiphertextChunk { Ciphertext = ByteString.CopyFrom(Payload(70_000, 2)) } }.ToByteArray(), // round and index 0: omitted on the wire
        new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = ulong.MaxValue, ChunkIndex = uint.MaxValue, Ciphertext = ByteString.CopyFrom(Payload(10, 3)) } }.ToByteArray(),
        new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 2 } }.ToByteArray(),
        new CiphertextUploadMessage { Header = new UploadHeader { Round = 2, TotalChunks = 4, ParticipantId = "site-a", UploadId = ByteString.CopyFrom(Payload(16, 4)) } }.ToByteArray(),
        new CiphertextUploadMessage { Commitment = new Proto.V1.SignedStatement { Statement = ByteString.CopyFrom(Payload(90, 5)) } }.ToByteArray(),
        [.. new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 1, Ciphertext = ByteString.CopyFrom(Payload(100_000, 6)) } }.ToByteArray(),
            .. new CiphertextUploadMessage { Chunk = new CiphertextChunk { ChunkIndex = 9 } }.ToByteArray()], // two chunk fields: protobuf merges them
        [.. new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 5, Ciphertext = ByteString.CopyFrom(Payload(80_000, 7)) } }.ToByteArray(), 0x08, 0x05], // a duplicated field: last wins
        [0x12, 0x05, 0x08, 0x01, 0xF8, 0x01, 0x02], // an unknown field (31) inside the chunk
    ];

    [Theory]
    [MemberData(nameof(Uploads))]
    public void AnUploadMessageReadsExactlyAsTheGeneratedParserReadsIt(byte[] wire)
    {
        var parse = PooledPayloads.Parse(UploadParser);
        foreach (int segment in new[] { wire.Length + 1, 4096, 7 })
        {
            CiphertextUploadMessage ours = parse(new Body(wire, segment));
            Assert.Equal(CiphertextUploadMessage.Parser.ParseFrom(wire), ours);
            Assert.Equal(CiphertextUploadMessage.Parser.ParseFrom(wire).ToByteArray(), ours.ToByteArray());
            PooledPayloads.Release(ours);
        }
    }

    public static TheoryData<byte[]> Shares() =>
    [
        new DecryptionShare { Round = 4, ChunkIndex = 2, Share = ByteString.CopyFrom(Payload(200_000, 8)), ParticipantId = "hospital-3" }.ToByteArray(),
        new DecryptionShare { Share = ByteString.CopyFrom(Payload(65_536, 9)) }.ToByteArray(),
        new DecryptionShare { Round = 1, ParticipantId = "é-site" }.ToByteArray(),
        [.. new DecryptionShare { Round = 4, Share = ByteString.CopyFrom(Payload(70_000, 10)) }.ToByteArray(), 0x1A, 0x01, 0x00], // the reserved field 3
    ];

    [Theory]
    [MemberData(nameof(Shares))]
    public void AShareReadsExactlyAsTheGeneratedParserReadsIt(byte[] wire)
    {
        var parse = PooledPayloads.Parse(ShareParser);
        foreach (int segment in new[] { wire.Length + 1, 5 })
        {
            DecryptionShare ours = parse(new Body(wire, segment));
            Assert.Equal(DecryptionShare.Parser.ParseFrom(wire), ours);
            PooledPayloads.Release(ours);
        }
    }

    [Fact]
    public void ATruncatedChunkIsLeftToTheGeneratedParserWhichRefusesIt()
    {
        byte[] wire = new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 3, Ciphertext = ByteString.CopyFrom(Payload(100_000, 11)) } }.ToByteArray();
        byte[] truncated = wire[..^10];
        Assert.Throws<InvalidProtocolBufferException>(() => PooledPayloads.Parse(UploadParser)(new Body(truncated, 4096)));
        byte[] badShareName = [0x2A, 0x02, 0xC3, 0x28]; // participant_id with invalid UTF-8
        Assert.Throws<InvalidProtocolBufferException>(() => PooledPayloads.Parse(ShareParser)(new Body(badShareName, 4096)));
    }

    [Fact]
    public void AReleasedPayloadsArrayIsHandedOutAgainAndAMessageIsReleasedOnce()
    {
        var parse = PooledPayloads.Parse(UploadParser);
        byte[] wire = new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 1, Ciphertext = ByteString.CopyFrom(Payload(1_000_000, 12)) } }.ToByteArray();
        CiphertextUploadMessage first = parse(new Body(wire, 4096));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(first.Chunk.Ciphertext.Memory, out ArraySegment<byte> a));
        Assert.True(a.Array!.Length > a.Count); // a pooled array, larger than the payload
        PooledPayloads.Release(first);
        PooledPayloads.Release(first); // a second release does not hand the array out twice
        CiphertextUploadMessage second = parse(new Body(wire, 4096));
        CiphertextUploadMessage third = parse(new Body(wire, 4096));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(second.Chunk.Ciphertext.Memory, out ArraySegment<byte> b));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(third.Chunk.Ciphertext.Memory, out ArraySegment<byte> c));
        Assert.NotSame(b.Array, c.Array);
        Assert.Equal(Payload(1_000_000, 12), third.Chunk.Ciphertext.ToByteArray());
        PooledPayloads.Release(second);
        PooledPayloads.Release(third);
    }
}
