using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;
using SecAgg.Transport.Internal;
using SecAgg.Transport.Tests.Interop;

namespace SecAgg.Transport.Tests.Protocol;

public sealed class MessageFramingTests
{
    [Fact]
    public async Task MessagesSplitIntoSmallPiecesAreReassembled()
    {
        var pipe = new Pipe();
        var first = new Chunk { Index = 1, Data = ByteString.CopyFrom(Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray()) };
        var second = new Chunk { Index = 2, Data = ByteString.CopyFromUtf8("small") };
        byte[] bytes = [.. Frame(first.ToByteArray(), compressed: false), .. Frame(second.ToByteArray(), compressed: false)];
        Task writer = Task.Run(async () =>
        {
            for (int i = 0; i < bytes.Length; i += 4093)
            {
                await pipe.Writer.WriteAsync(bytes.AsMemory(i, Math.Min(4093, bytes.Length - i)));
            }

            await pipe.Writer.CompleteAsync();
        });

        Assert.Equal(first, await MessageFraming.ReadMessageAsync(pipe.Reader, Chunk.Parser, 1 << 20, null, default));
        Assert.Equal(second, await MessageFraming.ReadMessageAsync(pipe.Reader, Chunk.Parser, 1 << 20, null, default));
        Assert.Null(await MessageFraming.ReadMessageAsync(pipe.Reader, Chunk.Parser, 1 << 20, null, default));
        await writer;
    }

    [Fact]
    public async Task GzipFrameIsDecompressedWhenTheEncodingIsGzip()
    {
        var message = new Chunk { Index = 3, Data = ByteString.CopyFrom(new byte[50_000]) };
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            message.WriteTo(gzip);
        }

        PipeReader reader = PipeReader.Create(new MemoryStream(Frame(compressed.ToArray(), compressed: true)));
        Assert.Equal(message, await MessageFraming.ReadMessageAsync(reader, Chunk.Parser, 1 << 20, "gzip", default));
    }

    [Fact]
    public async Task CompressedFlagWithoutAnEncodingIsAProtocolError()
    {
        PipeReader reader = PipeReader.Create(new MemoryStream(Frame([1, 2, 3], compressed: true)));
        var e = await Assert.ThrowsAsync<RpcException>(() => MessageFraming.ReadMessageAsync(reader, Chunk.Parser, 1 << 20, null, default).AsTask());
        Assert.Equal(StatusCode.Internal, e.StatusCode);
    }

    [Fact]
    public async Task DecompressedSizeAboveTheLimitIsResourceExhausted()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            new Chunk { Data = ByteString.CopyFrom(new byte[200_000]) }.WriteTo(gzip);
        }

        PipeReader reader = PipeReader.Create(new MemoryStream(Frame(compressed.ToArray(), compressed: true)));
        var e = await Assert.ThrowsAsync<RpcException>(() => MessageFraming.ReadMessageAsync(reader, Chunk.Parser, 100_000, "gzip", default).AsTask());
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task StreamEndingInsideAMessageIsAProtocolError()
    {
        byte[] frame = Frame(new Chunk { Data = ByteString.CopyFrom(new byte[1000]) }.ToByteArray(), compressed: false);
        PipeReader reader = PipeReader.Create(new MemoryStream(frame[..500]));
        var e = await Assert.ThrowsAsync<RpcException>(() => MessageFraming.ReadMessageAsync(reader, Chunk.Parser, 1 << 20, null, default).AsTask());
        Assert.Equal(StatusCode.Internal, e.StatusCode);
    }

    [Fact]
    public async Task LengthAboveTheLimitIsRejectedFromTheHeaderAlone()
    {
        byte[] header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 0x7FFF_FFFF);
        PipeReader reader = PipeReader.Create(new MemoryStream(header));
        var e = await Assert.ThrowsAsync<RpcException>(() => MessageFraming.ReadMessageAsync(reader, Chunk.Parser, 1 << 20, null, default).AsTask());
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task GarbagePayloadIsInternalNotACrash()
    {
        PipeReader reader = PipeReader.Create(new MemoryStream(Frame([0xFF, 0xFF, 0xFF], compressed: false)));
        var e = await Assert.ThrowsAsync<RpcException>(() => MessageFraming.ReadMessageAsync(reader, Chunk.Parser, 1 << 20, null, default).AsTask());
        Assert.Equal(StatusCode.Internal, e.StatusCode);
    }

    private static byte[] Frame(byte[] payload, bool compressed)
    {
        byte[] frame = new byte[5 + payload.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}
