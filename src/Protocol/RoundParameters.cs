using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Internal;
using SecAgg.Quantize.Ddg;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol;

/// <summary>
/// Everything both sides agree on for one round of protocol v2, each side computing it from ITS OWN consortium file
/// (<see cref="ProtocolPreset"/>) plus the round number, model version, key epoch, the epoch's public seed and the
/// layout: the aggregation parameters, the DDG parameters (N expected participants, d = layout length), the rotation
/// seed <b>derived</b> from the epoch seed (never chosen by the aggregator: the first 32 bytes of
/// <c>Prng.FromSeed(epoch seed, "secagg/v2/rotation/&lt;round&gt;")</c>), the round polynomials a_{r,k}
/// (<see cref="Polynomial"/>), the chunk count and the parameter digest. The aggregator announces it with
/// <see cref="ToContract"/>; a participant rebuilds its own with <see cref="FromContract"/>, which checks every
/// announced field and throws <see cref="ParameterMismatchException"/> naming the first that differs.
/// <para>
/// Parameter digest = SHA-256 over the canonical encoding (<c>CanonicalWriter</c>, label
/// "secagg.v2.RoundConfig.parameter_digest") of: consortium digest, aggregation parameter digest, key epoch, round,
/// model version, layout digest, rotation seed, chunk count, b, clip, rotation block size, max weight. The derived
/// floating-point values (γ, σ_int) are functions of the consortium digest and are compared within a relative 10^−9
/// instead, so that no ulp of a platform's libm can split the two sides.
/// </para>
/// </summary>
public sealed class RoundParameters
{
    /// <summary>The domain label of the rotation seed.</summary>
    public const string RotationLabel = "secagg/v2/rotation";

    private static readonly IReadOnlySet<string> DerivedOrPerAnnouncement = new HashSet<string>(StringComparer.Ordinal)
    {
        "RoundConfig.quantization.noise_sigma_numerator",
        "RoundConfig.quantization.noise_sigma_denominator",
        "RoundConfig.deadline",
        "RoundConfig.stage",
    };

    private readonly byte[] _epochSeed;
    private readonly byte[] _rotationSeed;

    private RoundParameters(ProtocolPreset preset, ulong round, ulong modelVersion, ulong keyEpochId, byte[] epochSeed, TensorLayout layout, DdgParameters ddg)
    {
        Preset = preset;
        Round = round;
        ModelVersion = modelVersion;
        KeyEpochId = keyEpochId;
        _epochSeed = epochSeed;
        Layout = layout;
        Ddg = ddg;
        _rotationSeed = DeriveRotationSeed(epochSeed, round);
        TotalChunks = preset.ChunksPerRound;
        LayoutMessage = ContractMapping.ToContract(layout);
        QuantizationMessage = ContractMapping.ToContract(ddg, _rotationSeed, MaxWeight, preset.DdgParameterSetId);
        HeMessage = Scheme.ToContract(preset.Name);
        ParameterDigest = ComputeDigest();
    }

    /// <summary>The consortium's planned parameters this round runs on.</summary>
    public ProtocolPreset Preset { get; }

    /// <summary>The consortium descriptor (roster, t, c, m, budget).</summary>
    public ConsortiumDescriptor Descriptor => Preset.Descriptor;

    /// <summary>Round number (≥ 1).</summary>
    public ulong Round { get; }

    /// <summary>Model version the updates are computed from (the round publishes version + 1).</summary>
    public ulong ModelVersion { get; }

    /// <summary>The key epoch whose key shares mask the uploads and whose seed derives a_{r,k} and the rotation seed.</summary>
    public ulong KeyEpochId { get; }

    /// <summary>The flattened update's layout (d = <see cref="ConsortiumDescriptor.ModelDimension"/> values).</summary>
    public TensorLayout Layout { get; }

    /// <summary>The ciphertext seam (sizes, checks, fold, combine).</summary>
    public CiphertextScheme Scheme => Preset.Scheme;

    /// <summary>The aggregation parameters.</summary>
    public AggregationParameters Aggregation => Preset.Aggregation;

    /// <summary>DDG parameters (N expected participants, d = layout length).</summary>
    public DdgParameters Ddg { get; }

    /// <summary>The round's public 32-byte rotation seed, derived from the epoch seed.</summary>
    public ReadOnlyMemory<byte> RotationSeed => _rotationSeed;

    /// <summary>The key epoch's public 32-byte seed.</summary>
    public ReadOnlyMemory<byte> EpochSeed => _epochSeed;

    /// <summary>Largest upload weight (the consortium's max-weight).</summary>
    public ulong MaxWeight => (ulong)Preset.Descriptor.MaxWeight;

    /// <summary>Chunks per upload: ⌈padded dimension / values per chunk⌉.</summary>
    public int TotalChunks { get; }

    /// <summary>RoundConfig.parameter_digest (formula in the class summary).</summary>
    public byte[] ParameterDigest { get; }

    /// <summary>The layout message.</summary>
    public V1.UpdateLayout LayoutMessage { get; }

    /// <summary>The quantization message.</summary>
    public V1.QuantizationParameters QuantizationMessage { get; }

    /// <summary>The aggregation parameters message.</summary>
    public V1.HeParameters HeMessage { get; }

    /// <summary>The rotation seed of <paramref name="round"/>: the first 32 bytes of Prng.FromSeed(epoch seed, "secagg/v2/rotation/&lt;round&gt;").</summary>
    /// <exception cref="ArgumentException">The epoch seed is not 32 bytes.</exception>
    public static byte[] DeriveRotationSeed(ReadOnlySpan<byte> epochSeed, ulong round)
    {
        CheckSeed(epochSeed, nameof(epochSeed));
        using Prng prng = Prng.FromSeed(epochSeed, string.Create(CultureInfo.InvariantCulture, $"{RotationLabel}/{round}"));
        var seed = new byte[RoundPolynomial.SeedBytes];
        prng.Fill(seed);
        return seed;
    }

    /// <summary>Builds a round's parameters from the consortium's preset (the aggregator, and internally a participant).</summary>
    /// <exception cref="ArgumentException">Round 0, an epoch seed that is not 32 bytes, or a layout that does not hold
    /// the consortium's model-dimension values.</exception>
    public static RoundParameters Create(ProtocolPreset preset, ulong round, ulong modelVersion, ulong keyEpochId, ReadOnlySpan<byte> epochSeed, TensorLayout layout)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(layout);
        CheckSeed(epochSeed, nameof(epochSeed));
        if (round == 0)
        {
            throw new ArgumentException("Rounds are numbered from 1.", nameof(round));
        }

        if (layout.TotalLength != preset.Descriptor.ModelDimension)
        {
            throw new ArgumentException(
                $"The layout holds {layout.TotalLength} values; the consortium file's model-dimension is {preset.Descriptor.ModelDimension}.");
        }

        return new RoundParameters(preset, round, modelVersion, keyEpochId, epochSeed.ToArray(), layout, preset.Ddg);
    }

    /// <summary>
    /// Participant side: rebuilds the round from this participant's own preset, its key epoch and epoch seed, and the
    /// announced round number, model version and layout (verified against its digest), then checks every other announced
    /// field against its own computation.
    /// </summary>
    /// <exception cref="ParameterMismatchException">The announcement differs (another epoch, layout size, parameters,
    /// rotation seed, chunk count, digest, ...); the message names the field and both values.</exception>
    /// <exception cref="ArgumentException">The message is malformed (round 0, no layout, a layout that contradicts its digest).</exception>
    public static RoundParameters FromContract(V1.RoundConfig config, ProtocolPreset preset, ulong keyEpochId, ReadOnlySpan<byte> epochSeed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(preset);
        if (config.Round == 0)
        {
            throw new ArgumentException("RoundConfig.round is 0; rounds are numbered from 1.", nameof(config));
        }

        if (config.KeyEpochId != keyEpochId)
        {
            throw ContractCheck.Mismatch("RoundConfig.key_epoch_id", config.KeyEpochId.ToString(CultureInfo.InvariantCulture), $"{keyEpochId} (the epoch it joined)");
        }

        if (config.Layout is null)
        {
            throw new ArgumentException("RoundConfig lacks its layout.", nameof(config));
        }

        TensorLayout layout = ContractMapping.FromContract(config.Layout);
        if (layout.TotalLength != preset.Descriptor.ModelDimension)
        {
            throw ContractCheck.Mismatch(
                "RoundConfig.layout.total_elements", layout.TotalLength.ToString(CultureInfo.InvariantCulture), $"{preset.Descriptor.ModelDimension} (model-dimension)");
        }

        RoundParameters own = Create(preset, config.Round, config.ModelVersion, keyEpochId, epochSeed, layout);
        own.CheckAnnounced(config);
        return own;
    }

    /// <summary>Checks an announced configuration of this round against these parameters (every field but deadline and stage).</summary>
    /// <exception cref="ParameterMismatchException">A field differs; the message names it and both values.</exception>
    public void CheckAnnounced(V1.RoundConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        V1.RoundConfig own = ToContract(DateTimeOffset.UnixEpoch, V1.RoundStage.Unspecified);
        ContractCheck.Fields("RoundConfig", own, config, DerivedOrPerAnnouncement);
        V1.QuantizationParameters q = config.Quantization;
        double announced = q.NoiseSigmaDenominator == 0 ? double.NaN : (double)q.NoiseSigmaNumerator / q.NoiseSigmaDenominator;
        if (!ContractCheck.Close(announced, Ddg.SigmaInt))
        {
            throw ContractCheck.Mismatch("RoundConfig.quantization.noise_sigma (numerator / denominator)",
                announced.ToString("G17", CultureInfo.InvariantCulture), Ddg.SigmaInt.ToString("G17", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The round's configuration message: min_participants = m and expected_participants = N from the descriptor.</summary>
    public V1.RoundConfig ToContract(DateTimeOffset deadline, V1.RoundStage stage) => new()
    {
        Round = Round,
        ModelVersion = ModelVersion,
        KeyEpochId = KeyEpochId,
        Layout = LayoutMessage.Clone(),
        Quantization = QuantizationMessage.Clone(),
        HeParameters = HeMessage.Clone(),
        MinParticipants = (uint)Descriptor.MinParticipants,
        ExpectedParticipants = (uint)Descriptor.ParticipantCount,
        Deadline = Timestamp.FromDateTimeOffset(deadline),
        Stage = stage,
        TotalChunks = (uint)TotalChunks,
        ParameterDigest = ByteString.CopyFrom(ParameterDigest),
    };

    /// <summary>a_{r,k} of this round for chunk <paramref name="chunk"/> (expanded from the epoch seed; public).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk is outside 0..TotalChunks − 1.</exception>
    public RoundPolynomial Polynomial(int chunk)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chunk, TotalChunks);
        return RoundPolynomial.Expand(Aggregation, _epochSeed, Round, chunk);
    }

    /// <summary>
    /// The crypto layer's session for this round: U and D given as participant ids (mapped to party ids by the roster
    /// order), the round's chunk count. The aggregator combines with it; a member gets it from <see cref="MemberDecryption"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An id is not in the roster, a set repeats an id, U is empty or D does not have t members.</exception>
    public SetDecryptionSession CreateSession(IEnumerable<string> uploaders, IEnumerable<string> decryptionSet)
    {
        ArgumentNullException.ThrowIfNull(uploaders);
        ArgumentNullException.ThrowIfNull(decryptionSet);
        return new SetDecryptionSession(Aggregation, KeyEpochId, Round, TotalChunks, PartyIds(uploaders, nameof(uploaders)), PartyIds(decryptionSet, nameof(decryptionSet)));
    }

    private int[] PartyIds(IEnumerable<string> ids, string parameter) => [.. ids.Select(id => Descriptor.RequireParticipant(id, parameter) + 1)];

    private static void CheckSeed(ReadOnlySpan<byte> seed, string parameter)
    {
        if (seed.Length != RoundPolynomial.SeedBytes)
        {
            throw new ArgumentException($"The epoch seed has {seed.Length} bytes; expected {RoundPolynomial.SeedBytes}.", parameter);
        }
    }

    private byte[] ComputeDigest()
    {
        var w = new CanonicalWriter("secagg.v2.RoundConfig.parameter_digest");
        w.Write(Descriptor.Digest.Span);
        w.Write(Aggregation.Digest.Span);
        w.Write(KeyEpochId);
        w.Write(Round);
        w.Write(ModelVersion);
        w.Write(ContractMapping.LayoutDigest(LayoutMessage));
        w.Write(_rotationSeed);
        w.Write((ulong)TotalChunks);
        w.Write((ulong)Ddg.Bits);
        w.Write(Ddg.ClipNorm);
        w.Write((ulong)Ddg.RotationBlockSize);
        w.Write(MaxWeight);
        return w.Finish();
    }
}
