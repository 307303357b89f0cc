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
        if (!WireReader.TryReadVarint(ref reader, out ulong tag) || tag != ((2 << 3) | 2) || !WireReader.TryReadVarint(ref reader, out ulong length) || length != (ulong)reader.Remaining
            || !TryReadFields(ref reader, payloadField: 3, textField: 0, out Fields f))
        {
            return null;
        }

        var message = new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = f.Round, ChunkIndex = (uint)f.Index, Ciphertext = Wrap(f.Array, f.Size) } };
        Keep(message, f.Array);
        return message;
    }

    private static DecryptionShare? TryReadShare(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        if (!TryReadFields(ref reader, payloadField: 4, textField: 5, out Fields f))
        {
            return null;
        }

        var share = new DecryptionShare { Round = f.Round, ChunkIndex = (uint)f.Index, Share = Wrap(f.Array, f.Size), ParticipantId = f.Text };
        Keep(share, f.Array);
        return share;
    }

    /// <summary>The fields both messages share: round = 1 and chunk_index = 2 (varints), the payload (bytes) and optionally a string.</summary>
    private struct Fields
    {
        public ulong Round;
        public ulong Index;
        public byte[]? Array;
        public int Size;
        public string Text;
    }

    /// <summary>
    /// Reads the rest of <paramref name="reader"/> as round (1), chunk_index (2), the payload (<paramref name="payloadField"/>)
    /// and, unless <paramref name="textField"/> is 0, a string; each at most once, nothing else. False (any array given back)
    /// for any other content.
    /// </summary>
    private static bool TryReadFields(ref SequenceReader<byte> reader, int payloadField, int textField, out Fields f)
    {
        f = new Fields { Text = "" };
        bool seenRound = false, seenIndex = false, seenPayload = false, seenText = false;
        while (!reader.End)
        {
            bool ok = WireReader.TryReadVarint(ref reader, out ulong tag);
            if (ok && tag == ((1 << 3) | 0) && !seenRound)
            {
                ok = seenRound = WireReader.TryReadVarint(ref reader, out f.Round);
            }
            else if (ok && tag == ((2 << 3) | 0) && !seenIndex)
            {
                ok = seenIndex = WireReader.TryReadVarint(ref reader, out f.Index) && f.Index <= uint.MaxValue;
            }
            else if (ok && tag == (((ulong)payloadField << 3) | 2) && !seenPayload)
            {
                ok = seenPayload = TryReadBytes(ref reader, out f.Array, out f.Size);
            }
            else if (ok && textField != 0 && tag == (((ulong)textField << 3) | 2) && !seenText)
            {
                ok = seenText = TryReadString(ref reader, out f.Text);
            }
            else
            {
                ok = false;
            }

            if (!ok)
            {
                Abandon(f.Array);
                return false;
            }
        }

        return true;
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

    /// <summary>Gives back the array of a message that turned out not to be of the shape read here (the generated parser reads it instead).</summary>
    private static void Abandon(byte[]? array)
    {
        if (array is not null && array.Length >= MinPooledBytes)
        {
            Pool.Return(array);
        }
    }

    /// <summary>A length-delimited field into an array: rented when large, else a fresh one of the exact size.</summary>
    private static bool TryReadBytes(ref SequenceReader<byte> reader, out byte[]? array, out int size)
    {
        array = null;
        size = 0;
        if (!WireReader.TryReadLength(ref reader, out ReadOnlySequence<byte> body))
        {
            return false;
        }

        size = (int)body.Length;
        if (size == 0)
        {
            return true;
        }

        array = size >= MinPooledBytes ? Pool.Rent(size) : new byte[size];
        body.CopyTo(array);
        return true;
    }

    private static bool TryReadString(ref SequenceReader<byte> reader, out string value)
    {
        value = "";
        if (!WireReader.TryReadLength(ref reader, out ReadOnlySequence<byte> body) || body.Length > 1024)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[(int)body.Length];
        body.CopyTo(bytes);
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
}
