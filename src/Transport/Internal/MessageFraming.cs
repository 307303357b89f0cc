using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;

namespace SecAgg.Transport.Internal;

/// <summary>
/// Length-prefixed gRPC messages: 1 byte compressed flag, 4-byte big-endian length, payload
/// (the protobuf bytes, gzip-compressed when the flag is 1).
/// </summary>
internal static class MessageFraming
{
    /// <summary>
    /// Reads the next message from <paramref name="reader"/>; null at a clean end of stream.
    /// A message already in the buffer is parsed in place; a larger one is copied out as it arrives,
    /// so the bytes are consumed (and HTTP/2 flow-control credit returned) before the message is complete.
    /// </summary>
    /// <param name="reader">The body.</param>
    /// <param name="parser">Parses the payload.</param>
    /// <param name="maxMessageSize">Largest accepted payload (after decompression); larger: RESOURCE_EXHAUSTED.</param>
    /// <param name="encoding">The peer's <c>grpc-encoding</c> (null or identity: compressed frames are a protocol error).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async ValueTask<T?> ReadMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageSize, string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        // 1. The 5-byte header (and, when it is all there already, the payload).
        byte flag;
        int length;
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (buffer.Length >= GrpcProtocol.HeaderSize)
            {
                try
                {
                    (flag, length) = ReadHeader(buffer, maxMessageSize, encoding);
                }
                catch
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    throw;
                }

                if (buffer.Length >= GrpcProtocol.HeaderSize + (long)length)
                {
                    ReadOnlySequence<byte> payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
                    try
                    {
                        return Parse(payload, flag, parser, maxMessageSize);
                    }
                    finally
                    {
                        reader.AdvanceTo(payload.End);
                    }
                }

                reader.AdvanceTo(buffer.GetPosition(GrpcProtocol.HeaderSize));
                break;
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                long left = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (left == 0)
                {
                    return null;
                }

                throw Truncated(left);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }

        // 2. A payload that has not fully arrived: copy it out as it comes.
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int filled = 0;
            while (filled < length)
            {
                ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                int take = (int)Math.Min(buffer.Length, length - filled);
                buffer.Slice(0, take).CopyTo(rented.AsSpan(filled));
                filled += take;
                reader.AdvanceTo(buffer.GetPosition(take));
                if (filled < length && (result.IsCompleted || result.IsCanceled))
                {
                    throw Truncated(GrpcProtocol.HeaderSize + filled);
                }
            }

            return Parse(new ReadOnlySequence<byte>(rented, 0, length), flag, parser, maxMessageSize);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static RpcException Truncated(long bytes) =>
        new(new Status(StatusCode.Internal, $"The stream ended inside a message ({bytes} bytes of an incomplete frame)."));

    private static (byte Flag, int Length) ReadHeader(ReadOnlySequence<byte> buffer, int maxMessageSize, string? encoding)
    {
        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        byte flag = header[0];
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (flag > 1)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Invalid compressed flag {flag} in a message header."));
        }

        if (flag == 1 && !string.Equals(encoding, GrpcProtocol.Gzip, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Internal, $"A message is marked compressed but the grpc-encoding is '{encoding ?? "identity"}'."));
        }

        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxMessageSize})"));
        }

        return (flag, (int)length);
    }

    private static T Parse<T>(ReadOnlySequence<byte> payload, byte flag, MessageParser<T> parser, int maxMessageSize)
        where T : class, IMessage<T>
    {
        try
        {
            return flag == 1 ? parser.ParseFrom(Decompress(payload, maxMessageSize)) : parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize a message: " + e.Message) { DebugException = e });
        }
    }

    private static byte[] Decompress(ReadOnlySequence<byte> payload, int maxMessageSize)
    {
        using var input = new MemoryStream(payload.ToArray(), writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int n;
            while ((n = gzip.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + n > maxMessageSize)
                {
                    throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Received message larger than max after decompression (> {maxMessageSize} bytes)"));
                }

                output.Write(chunk, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to decompress a gzip message: " + e.Message) { DebugException = e });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return output.ToArray();
    }

    /// <summary>Checks the size of <paramref name="message"/> against the send limit; returns its size.</summary>
    public static int CheckSendSize(IMessage message, int maxSendMessageSize)
    {
        int size = message.CalculateSize();
        if (size > maxSendMessageSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {maxSendMessageSize})"));
        }

        return size;
    }

    /// <summary>Writes one framed message into <paramref name="writer"/> (no flush).</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message, int size, bool compress)
    {
        if (compress)
        {
            byte[] compressed = Compress(message, size);
            Span<byte> header = writer.GetSpan(GrpcProtocol.HeaderSize);
            GrpcProtocol.WriteHeader(header, compressed: true, compressed.Length);
            writer.Advance(GrpcProtocol.HeaderSize);
            writer.Write(compressed);
            return;
        }

        Span<byte> span = writer.GetSpan(GrpcProtocol.HeaderSize);
        GrpcProtocol.WriteHeader(span, compressed: false, size);
        writer.Advance(GrpcProtocol.HeaderSize);
        message.WriteTo(writer);
    }

    /// <summary>Frames <paramref name="message"/> into a pooled buffer; returns the framed length.</summary>
    public static int FrameToArray(IMessage message, int size, bool compress, out byte[] rented)
    {
        if (compress)
        {
            byte[] compressed = Compress(message, size);
            rented = ArrayPool<byte>.Shared.Rent(GrpcProtocol.HeaderSize + compressed.Length);
            GrpcProtocol.WriteHeader(rented, compressed: true, compressed.Length);
            compressed.CopyTo(rented.AsSpan(GrpcProtocol.HeaderSize));
            return GrpcProtocol.HeaderSize + compressed.Length;
        }

        rented = ArrayPool<byte>.Shared.Rent(GrpcProtocol.HeaderSize + size);
        GrpcProtocol.WriteHeader(rented, compressed: false, size);
        message.WriteTo(rented.AsSpan(GrpcProtocol.HeaderSize, size));
        return GrpcProtocol.HeaderSize + size;
    }

    private static byte[] Compress(IMessage message, int size)
    {
        byte[] plain = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            message.WriteTo(plain.AsSpan(0, size));
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(plain, 0, size);
            }

            return output.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain);
        }
    }
}
