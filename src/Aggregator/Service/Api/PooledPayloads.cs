using System.Buffers;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Request parsing that puts the megabyte payloads of upload chunks and decryption shares in pooled arrays instead of a
/// new array per message (protobuf copies every bytes field into a fresh array: at d = 10^7 that is a 3 MB large-object
/// allocation per message, N·chunks per round, and the aggregator's peak grew with N while the GC caught up).
/// <see cref="Parse"/> reads the common shapes itself: a <see cref="CiphertextUploadMessage"/> holding one
/// <see cref="CiphertextChunk"/> (round, chunk_index, ciphertext) and a <see cref="DecryptionShare"/> (round,
/// chunk_index, share, participant_id), each field at most once; the payload is copied into a rented array and wrapped
/// (<see cref="UnsafeByteOperations.UnsafeWrap(ReadOnlyMemory{byte})"/>). Any other shape (a header, a commitment,
/// unknown or repeated fields, a malformed message) goes to the generated parser, so what a message means never
/// changes. The handler gives the array back with <see cref="Release(IMessage)"/> once nothing refers to the payload
/// any more (the chunk is staged, the share stored); a message never released leaves its array to the GC.
/// </summary>
internal static class PooledPayloads
{
    /// <summary>Up to 64 MB arrays, 16 per size: memory stays bounded by the messages in flight, not by the number of senders.</summary>
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(64 * 1024 * 1024, 16);

    /// <summary>Below this a payload is copied into a fresh array as protobuf does (not worth pooling).</summary>
    private const int MinPooledBytes = 64 * 1024;

    private static readonly ConditionalWeakTable<IMessage, byte[]> Rented = [];

    /// <summary>A deserializer for <typeparamref name="T"/>: the pooled reading for the two payload-carrying messages, else <paramref name="generated"/>.</summary>
    public static Func<DeserializationContext, T> Parse<T>(Func<DeserializationContext, T> generated)
        where T : class
    {
        if (typeof(T) == typeof(CiphertextUploadMessage))
        {
            return c => (TryReadChunk(c.PayloadAsReadOnlySequence()) as T) ?? generated(c);
        }

        if (typeof(T) == typeof(DecryptionShare))
        {
            return c => (TryReadShare(c.PayloadAsReadOnlySequence()) as T) ?? generated(c);
        }

        return generated;
    }

    /// <summary>Gives back the pooled array of a message <see cref="Parse"/> read (a no-op for any other message). The payload must not be used after.</summary>
    public static void Release(IMessage message)
    {
        if (Rented.TryGetValue(message, out byte[]? array) && Rented.Remove(message))
        {
            Pool.Return(array);
        }
    }

    private static CiphertextUploadMessage? TryReadChunk(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);

        // The upload message: exactly field 2 (chunk), length-delimited, and nothing after it.
        if (!TryReadVarint(ref reader, out ulong tag) || tag != ((2 << 3) | 2) || !TryReadVarint(ref reader, out ulong length) || length != (ulong)reader.Remaining)
        {
            return null;
        }

        ulong round = 0, index = 0;
        byte[]? array = null;
        int size = 0;
        bool seenRound = false, seenIndex = false, seenPayload = false;
        while (!reader.End)
        {
            if (!TryReadVarint(ref reader, out tag))
            {
                return Abandon<CiphertextUploadMessage>(array);
            }

            switch (tag)
            {
                case (1 << 3) | 0 when !seenRound && TryReadVarint(ref reader, out round):
                    seenRound = true;
                    break;
                case (2 << 3) | 0 when !seenIndex && TryReadVarint(ref reader, out index) && index <= uint.MaxValue:
                    seenIndex = true;
                    break;
                case (3 << 3) | 2 when !seenPayload && TryReadBytes(ref reader, out array, out size):
                    seenPayload = true;
                    break;
                default:
                    return Abandon<CiphertextUploadMessage>(array);
            }
        }

        var message = new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = round, ChunkIndex = (uint)index, Ciphertext = Wrap(array, size) } };
        Keep(message, array);
        return message;
    }

    private static DecryptionShare? TryReadShare(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        ulong round = 0, index = 0;
        byte[]? array = null;
        int size = 0;
        string participant = "";
        bool seenRound = false, seenIndex = false, seenPayload = false, seenParticipant = false;
        while (!reader.End)
        {
            if (!TryReadVarint(ref reader, out ulong tag))
            {
                return Abandon<DecryptionShare>(array);
            }

            switch (tag)
            {
                case (1 << 3) | 0 when !seenRound && TryReadVarint(ref reader, out round):
                    seenRound = true;
                    break;
                case (2 << 3) | 0 when !seenIndex && TryReadVarint(ref reader, out index) && index <= uint.MaxValue:
                    seenIndex = true;
                    break;
                case (4 << 3) | 2 when !seenPayload && TryReadBytes(ref reader, out array, out size):
                    seenPayload = true;
                    break;
                case (5 << 3) | 2 when !seenParticipant && TryReadString(ref reader, out participant):
                    seenParticipant = true;
                    break;
                default:
                    return Abandon<DecryptionShare>(array);
            }
        }

        var share = new DecryptionShare { Round = round, ChunkIndex = (uint)index, Share = Wrap(array, size), ParticipantId = participant };
        Keep(share, array);
        return share;
    }

    private static ByteString Wrap(byte[]? array, int size) =>
        array is null ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(array.AsMemory(0, size));

    private static void Keep(IMessage message, byte[]? array)
    {
        if (array is not null && array.Length >= MinPooledBytes)
        {
            Rented.AddOrUpdate(message, array);
        }
    }

    /// <summary>Gives a rented array back and answers "not this shape" (the generated parser reads the message instead).</summary>
    private static T? Abandon<T>(byte[]? array)
        where T : class
    {
        if (array is not null && array.Length >= MinPooledBytes)
        {
            Pool.Return(array);
        }

        return null;
    }

    /// <summary>A length-delimited field into an array: rented when large, else a fresh one of the exact size.</summary>
    private static bool TryReadBytes(ref SequenceReader<byte> reader, out byte[]? array, out int size)
    {
        array = null;
        size = 0;
        if (!TryReadVarint(ref reader, out ulong length) || length > (ulong)reader.Remaining)
        {
            return false;
        }

        size = (int)length;
        if (size == 0)
        {
            return true;
        }

        array = size >= MinPooledBytes ? Pool.Rent(size) : new byte[size];
        reader.TryCopyTo(array.AsSpan(0, size));
        reader.Advance(size);
        return true;
    }

    private static bool TryReadString(ref SequenceReader<byte> reader, out string value)
    {
        value = "";
        if (!TryReadVarint(ref reader, out ulong length) || length > 1024 || length > (ulong)reader.Remaining)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[(int)length];
        reader.TryCopyTo(bytes);
        reader.Advance((long)length);
        try
        {
            value = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (System.Text.DecoderFallbackException)
        {
            return false; // the generated parser reports it
        }
    }

    /// <summary>A base-128 varint of at most 10 bytes.</summary>
    private static bool TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (!reader.TryRead(out byte b))
            {
                return false;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return shift < 63 || b <= 1;
            }
        }

        return false;
    }
}
