using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using SecAgg.Participant.Client;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Participant.Tests.Client;

/// <summary>
/// The global-model download without a ByteString per message: <see cref="ModelFrame"/> reads each message as the
/// generated parser does (checked against it on random messages, unknown fields and split payloads), refuses what does not
/// parse with a reason, and <see cref="ModelAssembler"/> accepts only a whole, in-order stream whose SHA-256 is the
/// header's: what a hostile or broken aggregator could send instead is refused, never returned as a model.
/// </summary>
public sealed class ModelDownloadTests
{
    private const int Dimension = 40_000;

    [Fact]
    public void FramesReadAsTheGeneratedParserReadsThem()
    {
        var random = new Random(17);
        for (int i = 0; i < 200; i++)
        {
            GlobalModelMessage message = i % 5 == 0 ? new GlobalModelMessage { Header = Header(Values(random, 10 + i), (ulong)i) } : Data(random, (ulong)random.Next(0, 1 << 20), random.Next(0, 5000));
            byte[] bytes = [.. message.ToByteArray(), .. UnknownFields(random)];
            GlobalModelMessage expected = GlobalModelMessage.Parser.ParseFrom(bytes);
            foreach (ReadOnlySequence<byte> payload in new[] { new ReadOnlySequence<byte>(bytes), Segmented(bytes, 1 + random.Next(0, 7)) })
            {
                using ModelFrame frame = ModelFrame.Parse(payload);
                Assert.Null(frame.Malformed);
                if (expected.KindCase == GlobalModelMessage.KindOneofCase.Header)
                {
                    Assert.Equal(expected.Header, frame.Header);
                }
                else
                {
                    Assert.True(frame.IsData);
                    Assert.Equal(expected.Data.Offset, frame.Offset);
                    Assert.Equal(expected.Data.Data.ToByteArray(), frame.Data.ToArray());
                }
            }
        }
    }

    [Fact]
    public void TheDownloadMethodsMarshallerRoundTripsAFrame()
    {
        GlobalModelMessage message = Data(new Random(3), 16384, 65536);
        using ModelFrame frame = ModelFrame.Parse(new ReadOnlySequence<byte>(message.ToByteArray()));
        var sending = new Sent();
        ModelFrame.DownloadMethod.ResponseMarshaller.ContextualSerializer(frame, sending);
        Assert.Equal(message.ToByteArray(), sending.Payload);
        using ModelFrame back = ModelFrame.DownloadMethod.ResponseMarshaller.ContextualDeserializer(new Received(sending.Payload!));
        Assert.Equal(frame.Offset, back.Offset);
        Assert.Equal(frame.Data.ToArray(), back.Data.ToArray());
        Assert.Equal(DownloadMethodName(), ModelFrame.DownloadMethod.FullName);
    }

    [Theory]
    [InlineData(new byte[0], "neither a header nor data")]
    [InlineData(new byte[] { 0x12, 0x05, 0x08, 0x01 }, "runs past")]                         // data field longer than the message
    [InlineData(new byte[] { 0x12, 0x02, 0x08, 0x80 }, "offset is cut short")]               // varint cut inside the run
    [InlineData(new byte[] { 0x12, 0x00, 0x12, 0x00 }, "more than one header or data")]      // two kind fields
    [InlineData(new byte[] { 0x0A, 0x00, 0x12, 0x00 }, "more than one header or data")]      // a header and data
    [InlineData(new byte[] { 0x12, 0x0B, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02 }, "overflows 64 bits")] // a 10th varint byte above 1
    [InlineData(new byte[] { 0x12, 0x04, 0x1A, 0x00, 0x1A, 0x00 }, "repeats its data")]
    [InlineData(new byte[] { 0x12, 0x04, 0x08, 0x01, 0x08, 0x02 }, "repeats its offset")]
    [InlineData(new byte[] { 0x3E, 0x00 }, "wire type 6")]                                   // field 7, wire type 6: no such type
    [InlineData(new byte[] { 0x00 }, "malformed field tag")]                                 // field 0
    [InlineData(new byte[] { 0x0A, 0x02, 0xFF, 0xFF }, "header does not parse")]
    [InlineData(new byte[] { 0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, "runs past")] // an 11-byte varint
    public void AMessageThatDoesNotParseIsAFrameWithItsReason(byte[] bytes, string reason)
    {
        using ModelFrame frame = ModelFrame.Parse(new ReadOnlySequence<byte>(bytes));
        Assert.Contains(reason, frame.Malformed, StringComparison.Ordinal);
        Assert.False(frame.IsData);
        var assembler = new ModelAssembler(Dimension);
        Assert.Contains(reason, Assert.Throws<InvalidDataException>(() => assembler.Add(frame)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWholeInOrderStreamIsTheModelWithItsDigestChecked()
    {
        float[] values = Values(new Random(5), Dimension);
        GlobalModel model = Assemble(Stream(values, Header(values, 7), 16384));
        Assert.Equal(values, model.Values);
        Assert.Equal(7UL, model.ModelVersion);
        Assert.Equal(Dimension, model.Layout.TotalLength);
    }

    [Fact]
    public void DataBeforeTheHeaderIsRefused()
    {
        float[] values = Values(new Random(6), Dimension);
        List<GlobalModelMessage> stream = Stream(values, Header(values, 1), 16384);
        (stream[0], stream[1]) = (stream[1], stream[0]);
        Assert.Contains("before its header", Assert.Throws<InvalidDataException>(() => Assemble(stream)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARunOutOfOrderIsRefused()
    {
        float[] values = Values(new Random(7), Dimension);
        List<GlobalModelMessage> stream = Stream(values, Header(values, 1), 16384);
        (stream[1], stream[2]) = (stream[2], stream[1]);
        Assert.Contains("out of order", Assert.Throws<InvalidDataException>(() => Assemble(stream)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARepeatedRunIsRefused()
    {
        float[] values = Values(new Random(8), Dimension);
        List<GlobalModelMessage> stream = Stream(values, Header(values, 1), 16384);
        stream.Insert(2, stream[1]);
        Assert.Contains("out of order", Assert.Throws<InvalidDataException>(() => Assemble(stream)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARunPastTheLayoutIsRefused()
    {
        float[] values = Values(new Random(9), Dimension);
        List<GlobalModelMessage> stream = Stream(values, Header(values, 1), 16384);
        stream.Add(Data(new Random(1), Dimension, 4));
        Assert.Contains("runs past", Assert.Throws<InvalidDataException>(() => Assemble(stream)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStreamThatEndsEarlyIsRefusedThoughItsDigestCoversWhatCame()
    {
        float[] values = Values(new Random(10), Dimension);
        float[] first = values[..16384];
        GlobalModelHeader header = Header(values, 1);
        header.DataDigest = ByteString.CopyFrom(SHA256.HashData(MemoryMarshal.AsBytes(first.AsSpan())));
        List<GlobalModelMessage> stream = Stream(values, header, 16384)[..2];
        Assert.Contains("ended after 16384 of its 40000 values", Assert.Throws<InvalidDataException>(() => Assemble(stream)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValuesOtherThanTheDigestsAreRefused()
    {
        float[] values = Values(new Random(11), Dimension);
        GlobalModelHeader header = Header(values, 1);
        values[12345] += 1;
        Assert.Contains("does not match its digest", Assert.Throws<InvalidDataException>(() => Assemble(Stream(values, header, 16384))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondHeaderIsRefused()
    {
        float[] values = Values(new Random(12), Dimension);
        List<GlobalModelMessage> stream = Stream(values, Header(values, 1), 16384);
        stream.Insert(2, new GlobalModelMessage { Header = Header(values, 2) });
        Assert.Contains("second header", Assert.Throws<InvalidDataException>(() => Assemble(stream)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHeaderOfAnotherDimensionIsRefused()
    {
        float[] values = Values(new Random(13), Dimension + 1);
        Assert.Contains("model-dimension is 40000", Assert.Throws<InvalidDataException>(() => Assemble(Stream(values, Header(values, 1), 16384))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARunOfAPartialValueIsRefused()
    {
        float[] values = Values(new Random(14), Dimension);
        List<GlobalModelMessage> stream = [new GlobalModelMessage { Header = Header(values, 1) }, Data(new Random(2), 0, 6)];
        Assert.Contains("not a whole number of float32", Assert.Throws<InvalidDataException>(() => Assemble(stream)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AModelOfAnotherVersionOrRoundThanTheOneAskedForIsRefused()
    {
        float[] values = Values(new Random(15), Dimension);
        List<GlobalModelMessage> stream = Stream(values, Header(values, 4), 16384);
        Assert.Contains("version 3 was asked for", Assert.Throws<InvalidDataException>(() => Assemble(stream, version: 3)).Message, StringComparison.Ordinal);
        Assert.Contains("round 5's was asked for", Assert.Throws<InvalidDataException>(() => Assemble(stream, round: 5)).Message, StringComparison.Ordinal);
        Assert.Equal(values, Assemble(stream, version: 4).Values);
        Assert.Equal(values, Assemble(stream, round: 4).Values);
    }

    [Fact]
    public void AStreamWithoutAHeaderIsRefused() =>
        Assert.Contains("without a header", Assert.Throws<InvalidDataException>(() => Assemble([])).Message, StringComparison.Ordinal);

    private static GlobalModel Assemble(IEnumerable<GlobalModelMessage> stream, ulong version = 0, ulong round = 0)
    {
        using var assembler = new ModelAssembler(Dimension, version, round);
        foreach (GlobalModelMessage message in stream)
        {
            using ModelFrame frame = ModelFrame.Parse(new ReadOnlySequence<byte>(message.ToByteArray()));
            assembler.Add(frame);
        }

        return assembler.Finish();
    }

    /// <summary>The stream the aggregator sends (the header, then runs of <paramref name="run"/> values from element 0).</summary>
    private static List<GlobalModelMessage> Stream(float[] values, GlobalModelHeader header, int run)
    {
        List<GlobalModelMessage> stream = [new GlobalModelMessage { Header = header }];
        for (int i = 0; i < values.Length; i += run)
        {
            int count = Math.Min(run, values.Length - i);
            stream.Add(new GlobalModelMessage { Data = new GlobalModelData { Offset = (ulong)i, Data = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan(i, count))) } });
        }

        return stream;
    }

    private static GlobalModelHeader Header(float[] values, ulong version) => new()
    {
        ModelVersion = version,
        Round = version,
        Layout = ContractMapping.ToContract(new TensorLayout([new SecAgg.Quantize.Ddg.TensorSpec("w", [values.Length])])),
        ParticipantsCounted = 3,
        DataDigest = ByteString.CopyFrom(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan()))),
    };

    private static GlobalModelMessage Data(Random random, ulong offset, int bytes)
    {
        byte[] data = new byte[bytes];
        random.NextBytes(data);
        return new GlobalModelMessage { Data = new GlobalModelData { Offset = offset, Data = ByteString.CopyFrom(data) } };
    }

    private static float[] Values(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)random.NextDouble() - 0.5f)];

    /// <summary>Fields a later version might add (varint, fixed64, length-delimited, fixed32 in the reserved 3..15).</summary>
    private static byte[] UnknownFields(Random random) => random.Next(0, 5) switch
    {
        0 => [],
        1 => [0x18, 0x96, 0x01],
        2 => [0x21, 1, 2, 3, 4, 5, 6, 7, 8],
        3 => [0x62, 0x03, 9, 9, 9],
        _ => [0x75, 1, 2, 3, 4, 0x18, 0x01],
    };

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
    {
        Segment? first = null, last = null;
        for (int i = 0; i < bytes.Length; i += size)
        {
            var next = new Segment(bytes.AsMemory(i, Math.Min(size, bytes.Length - i)), last);
            first ??= next;
            last = next;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private static string DownloadMethodName() => $"/{Rounds.Descriptor.FullName}/{nameof(Rounds.RoundsClient.DownloadGlobalModel)}";

    private sealed class Sent : Grpc.Core.SerializationContext
    {
        public byte[]? Payload { get; private set; }

        public override void Complete(byte[] payload) => Payload = payload;
    }

    private sealed class Received(byte[] payload) : Grpc.Core.DeserializationContext
    {
        public override int PayloadLength => payload.Length;

        public override byte[] PayloadAsNewBuffer() => [.. payload];

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(payload);
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
