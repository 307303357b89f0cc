using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using SecAgg.Crypto.Multiparty;
using SecAgg.Quantize.Ddg;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol;

/// <summary>
/// Everything both sides must agree on for one round, checked: the layout, the HE parameters of the
/// key epoch, the DDG parameters, the rotation seed, the chunk count and the round's parameter
/// digest. Built by the aggregator with <see cref="Create"/> and sent as a <see cref="V1.RoundConfig"/>;
/// rebuilt and verified by a participant with <see cref="FromContract"/>.
/// </summary>
public sealed class RoundParameters
{
    private RoundParameters(
        ulong round, ulong modelVersion, ulong keyEpochId, TensorLayout layout, CiphertextScheme scheme, DdgParameters ddg,
        byte[] rotationSeed, ulong maxWeight, V1.UpdateLayout layoutMessage, V1.QuantizationParameters quantization, V1.HeParameters heMessage)
    {
        Round = round;
        ModelVersion = modelVersion;
        KeyEpochId = keyEpochId;
        Layout = layout;
        Scheme = scheme;
        He = scheme.KeyParameters;
        Ddg = ddg;
        RotationSeed = rotationSeed;
        MaxWeight = maxWeight;
        LayoutMessage = layoutMessage;
        QuantizationMessage = quantization;
        HeMessage = heMessage;
        TotalChunks = ChunkCount(ddg.PaddedDimension, scheme.ValuesPerCiphertext);
        ParameterDigest = ContractMapping.RoundParameterDigest(layoutMessage, quantization, heMessage, keyEpochId);
    }

    /// <summary>Round number (≥ 1).</summary>
    public ulong Round { get; }

    /// <summary>Model version the updates are computed from.</summary>
    public ulong ModelVersion { get; }

    /// <summary>Key epoch whose collective key encrypts the uploads.</summary>
    public ulong KeyEpochId { get; }

    /// <summary>The flattened update's layout.</summary>
    public TensorLayout Layout { get; }

    /// <summary>The key epoch's scheme (BFV or CKKS): how chunks are encrypted, added, decrypted.</summary>
    public CiphertextScheme Scheme { get; }

    /// <summary>Ring and party parameters of the key epoch (<see cref="CiphertextScheme.KeyParameters"/>).</summary>
    public MultipartyParameters He { get; }

    /// <summary>DDG parameters (n = invited participants, d = layout length).</summary>
    public DdgParameters Ddg { get; }

    /// <summary>The round's public 32-byte rotation seed.</summary>
    public ReadOnlyMemory<byte> RotationSeed { get; }

    /// <summary>Largest upload weight.</summary>
    public ulong MaxWeight { get; }

    /// <summary>Ciphertexts per upload: ⌈padded dimension / values per ciphertext⌉.</summary>
    public int TotalChunks { get; }

    /// <summary>RoundConfig.parameter_digest (see <see cref="ContractMapping.RoundParameterDigest"/>).</summary>
    public byte[] ParameterDigest { get; }

    /// <summary>The layout message.</summary>
    public V1.UpdateLayout LayoutMessage { get; }

    /// <summary>The quantization message.</summary>
    public V1.QuantizationParameters QuantizationMessage { get; }

    /// <summary>The HE parameters message.</summary>
    public V1.HeParameters HeMessage { get; }

    /// <summary>⌈paddedDimension / valuesPerCiphertext⌉.</summary>
    public static int ChunkCount(int paddedDimension, int valuesPerCiphertext)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(paddedDimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(valuesPerCiphertext);
        return (int)(((long)paddedDimension + valuesPerCiphertext - 1) / valuesPerCiphertext);
    }

    /// <summary>Builds a BFV round's parameters on the aggregator.</summary>
    public static RoundParameters Create(
        ulong round, ulong modelVersion, ulong keyEpochId, TensorLayout layout, MultipartyParameters he, string heParameterSetId,
        DdgParameters ddg, string ddgParameterSetId, ReadOnlySpan<byte> rotationSeed, ulong maxWeight = 1)
    {
        ArgumentNullException.ThrowIfNull(he);
        return Create(round, modelVersion, keyEpochId, layout, CiphertextScheme.Bfv(he), heParameterSetId, ddg, ddgParameterSetId, rotationSeed, maxWeight);
    }

    /// <summary>Builds a round's parameters on the aggregator, under the key epoch's scheme.</summary>
    public static RoundParameters Create(
        ulong round, ulong modelVersion, ulong keyEpochId, TensorLayout layout, CiphertextScheme scheme, string heParameterSetId,
        DdgParameters ddg, string ddgParameterSetId, ReadOnlySpan<byte> rotationSeed, ulong maxWeight = 1)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(ddg);
        ArgumentOutOfRangeException.ThrowIfZero(round);
        if (ddg.Dimension != layout.TotalLength)
        {
            throw new ArgumentException($"The DDG dimension {ddg.Dimension} differs from the layout's {layout.TotalLength} values.", nameof(ddg));
        }

        if (ddg.Bits != scheme.ValueBits)
        {
            throw new ArgumentException($"The DDG bits b = {ddg.Bits} differ from the HE value bits {scheme.ValueBits}.", nameof(ddg));
        }

        V1.UpdateLayout layoutMsg = ContractMapping.ToContract(layout);
        V1.QuantizationParameters q = ContractMapping.ToContract(ddg, rotationSeed, maxWeight, ddgParameterSetId);
        V1.HeParameters heMsg = scheme.ToContract(heParameterSetId);
        return new RoundParameters(round, modelVersion, keyEpochId, layout, scheme, ddg, rotationSeed.ToArray(), maxWeight, layoutMsg, q, heMsg);
    }

    /// <summary>
    /// Rebuilds and verifies a round's parameters from its configuration message (participant side):
    /// layout digest, HE digest, DDG derived values, chunk count and the round's parameter digest.
    /// </summary>
    /// <param name="config">The message.</param>
    /// <param name="parties">N of the key epoch (EpochInfo.participants).</param>
    /// <param name="threshold">t of the key epoch (EpochInfo.threshold).</param>
    /// <param name="allowInsecureForTests">Accept test-only HE parameters.</param>
    public static RoundParameters FromContract(V1.RoundConfig config, int parties, int threshold, bool allowInsecureForTests = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Round == 0)
        {
            throw new ArgumentException("RoundConfig.round is 0; rounds are numbered from 1.", nameof(config));
        }

        if (config.Layout is null || config.Quantization is null || config.HeParameters is null)
        {
            throw new ArgumentException("RoundConfig lacks its layout, quantization or HE parameters.", nameof(config));
        }

        if (config.ExpectedParticipants == 0 || config.ExpectedParticipants > int.MaxValue)
        {
            throw new ArgumentException($"RoundConfig.expected_participants = {config.ExpectedParticipants} is out of range.", nameof(config));
        }

        TensorLayout layout = ContractMapping.FromContract(config.Layout);
        if (config.Quantization.Bits is < 1 or > 32)
        {
            throw new ArgumentException($"QuantizationParameters.bits = {config.Quantization.Bits} must be in [1, 32].", nameof(config));
        }

        CiphertextScheme he = ContractMapping.SchemeFromContract(config.HeParameters, parties, threshold, (int)config.Quantization.Bits, allowInsecureForTests);
        DdgParameters ddg = ContractMapping.FromContract(config.Quantization, (int)config.ExpectedParticipants, layout.TotalLength);
        var result = new RoundParameters(
            config.Round, config.ModelVersion, config.KeyEpochId, layout, he, ddg, config.Quantization.RotationSeed.ToByteArray(),
            config.Quantization.MaxWeight, config.Layout, config.Quantization, config.HeParameters);
        if ((uint)result.TotalChunks != config.TotalChunks)
        {
            throw new ParameterMismatchException($"RoundConfig.total_chunks = {config.TotalChunks}, but the parameters give {result.TotalChunks} ciphertexts per upload.");
        }

        if (!result.ParameterDigest.AsSpan().SequenceEqual(config.ParameterDigest.Span))
        {
            throw new ParameterMismatchException("RoundConfig.parameter_digest does not match the digest of the parameters it lists; refuse the round.");
        }

        return result;
    }

    /// <summary>The round's configuration message.</summary>
    public V1.RoundConfig ToContract(uint minParticipants, uint expectedParticipants, DateTimeOffset deadline, V1.RoundStage stage) => new()
    {
        Round = Round,
        ModelVersion = ModelVersion,
        KeyEpochId = KeyEpochId,
        Layout = LayoutMessage,
        Quantization = QuantizationMessage,
        HeParameters = HeMessage,
        MinParticipants = minParticipants,
        ExpectedParticipants = expectedParticipants,
        Deadline = Timestamp.FromDateTimeOffset(deadline),
        Stage = stage,
        TotalChunks = (uint)TotalChunks,
        ParameterDigest = ByteString.CopyFrom(ParameterDigest),
    };
}
