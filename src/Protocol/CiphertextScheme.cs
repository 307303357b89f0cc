using System.Numerics;
using Google.Protobuf;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Internal;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol;

/// <summary>
/// What the protocol does with protocol-v2 ciphertext bytes, over one <see cref="AggregationParameters"/> (the BFV or
/// CKKS codec lives inside the crypto layer): the sizes and the contract message both sides share, and the aggregator's
/// operations on bytes it cannot read: check one uploaded chunk (<see cref="TryValidateUpload"/>: size, header,
/// parameter digest, one summand, every residue below its prime), fold uploads into a sum in place
/// (<see cref="Fold(MaskedUpload, ReadOnlySpan{byte})"/>), check a member's share (<see cref="TryCheckShare"/>: format,
/// session digest, chunk, contributor), and combine a chunk's sum with the decryption set's shares into the values
/// mod 2^b (<see cref="Combine"/>). Participants encrypt with <see cref="UpdateEncryptor"/> and answer with
/// <see cref="MemberDecryption"/>. Thread-safe (every call works on its own objects).
/// </summary>
public sealed class CiphertextScheme
{
    /// <summary>Creates the seam over <paramref name="parameters"/>.</summary>
    public CiphertextScheme(AggregationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
    }

    /// <summary>The aggregation parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>The codec.</summary>
    public HeScheme Kind => Parameters.Scheme == MultipartyScheme.Ckks ? HeScheme.Ckks : HeScheme.Bfv;

    /// <summary>SHA-256 of the checked parameter set (HeParameters.parameter_digest).</summary>
    public ReadOnlyMemory<byte> Digest => Parameters.Digest;

    /// <summary>b: bits per value (values and sums are in [0, 2^b)).</summary>
    public int ValueBits => Parameters.ValueBits;

    /// <summary>Values carried by one chunk.</summary>
    public int ValuesPerChunk => Parameters.ValuesPerChunk;

    /// <summary>Bytes of one uploaded chunk (a serialized <see cref="MaskedUpload"/>; sums have the same size).</summary>
    public int UploadBytes => Parameters.UploadBytes;

    /// <summary>Bytes of one member's serialized decryption share for one chunk.</summary>
    public int ShareBytes => Parameters.ShareBytes;

    /// <summary>Whether these are the NOT SECURE test parameters.</summary>
    public bool IsInsecureForTests => Parameters.IsInsecureForTests;

    /// <summary>The parameters as a contract message (parameter_set_id = <paramref name="parameterSetId"/>).</summary>
    public V1.HeParameters ToContract(string parameterSetId)
    {
        ArgumentNullException.ThrowIfNull(parameterSetId);
        AggregationParameters p = Parameters;
        var he = new V1.HeParameters
        {
            ParameterSetId = parameterSetId,
            ParameterDigest = ByteString.CopyFrom(p.Digest.Span),
            LogN = (uint)BitOperations.Log2((uint)p.RingDegree),
            ValuesPerCoefficient = (uint)p.ValuesPerCoefficient,
            CarryBits = (uint)p.HeadroomBits,
            Scheme = Kind == HeScheme.Ckks ? V1.HeScheme.Ckks : V1.HeScheme.Bfv,
            CkksLogScale = (uint)p.ScaleBits,
            PlaintextModulusBits = (uint)p.PlaintextModulusBits,
            ValueBits = (uint)p.ValueBits,
            Parties = (uint)p.Parties,
            Threshold = (uint)p.Threshold,
            MaxColluders = (uint)p.MaxColluders,
            MaxSummands = (uint)p.MaxSummands,
            StatisticalSecurity = (uint)p.StatisticalSecurity,
            ShareCap = (ulong)p.ShareCap,
        };
        he.CiphertextModuli.AddRange(p.Primes);
        return he;
    }

    /// <summary>
    /// Participant side: checks the parameters the aggregator announced (<paramref name="announced"/>) against these, which
    /// the participant computed from its own consortium file.
    /// </summary>
    /// <exception cref="ParameterMismatchException">A field differs; the message names the first (as <paramref name="field"/>.name) and both values.</exception>
    public void CheckAnnounced(V1.HeParameters? announced, string field = "he_parameters")
    {
        V1.HeParameters own = ToContract(announced?.ParameterSetId ?? string.Empty);
        ContractCheck.Fields(field, own, announced);
    }

    // ------------------------------------------------------------------ aggregator

    /// <summary>Checks one uploaded chunk: its size, header, parameter digest, a summand count of exactly 1 (an upload, not
    /// a sum) and every residue below its prime.</summary>
    public bool TryValidateUpload(ReadOnlySpan<byte> chunk, out string? problem)
    {
        if (chunk.Length != UploadBytes)
        {
            problem = $"The chunk has {chunk.Length} bytes; an upload chunk of these parameters has {UploadBytes}.";
            return false;
        }

        try
        {
            int summands = MaskedUpload.Validate(Parameters, chunk); // checked in one pass, nothing allocated
            problem = summands == 1 ? null : $"The chunk claims {summands} summands; an upload is exactly one.";
        }
        catch (InvalidDataException e)
        {
            problem = e.Message;
        }

        return problem is null;
    }

    /// <summary>An empty sum (no summands) to fold a chunk index's uploads into.</summary>
    public MaskedUpload CreateEmptySum() => MaskedUpload.CreateEmptySum(Parameters);

    /// <summary>A running sum started from the serialized upload or sum <paramref name="first"/> (parsed and checked);
    /// fold further uploads into it with <see cref="Fold(MaskedUpload, ReadOnlySpan{byte})"/>, write it with
    /// <see cref="MaskedUpload.Serialize(Span{byte})"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are malformed.</exception>
    public MaskedUpload StartSum(ReadOnlySpan<byte> first) => MaskedUpload.Deserialize(Parameters, first);

    /// <summary>sum += the serialized upload (or sum) <paramref name="upload"/>, checked as it is decoded straight into the
    /// sum (no polynomial allocated; the sum is unchanged when the bytes are malformed).</summary>
    /// <exception cref="InvalidDataException">The bytes are malformed.</exception>
    /// <exception cref="InvalidOperationException">The sum would exceed N summands.</exception>
    public void Fold(MaskedUpload sum, ReadOnlySpan<byte> upload)
    {
        ArgumentNullException.ThrowIfNull(sum);
        sum.AddInplace(upload);
    }

    /// <summary>The serialized sum <paramref name="sum"/> += the serialized upload <paramref name="upload"/>, written back in place (same size).</summary>
    /// <exception cref="InvalidDataException">Either is malformed.</exception>
    /// <exception cref="InvalidOperationException">The sum would exceed N summands.</exception>
    public void Fold(Span<byte> sum, ReadOnlySpan<byte> upload)
    {
        MaskedUpload total = MaskedUpload.Deserialize(Parameters, sum);
        total.AddInplace(upload);
        total.Serialize(sum);
    }

    /// <summary>
    /// Checks a member's serialized share for chunk <paramref name="chunk"/> of <paramref name="session"/>: well formed, made for
    /// this session (digest) and chunk, by <paramref name="party"/> alone, and <paramref name="party"/> in D.
    /// </summary>
    public bool TryCheckShare(ReadOnlySpan<byte> share, SetDecryptionSession session, int chunk, int party, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            problem = Problem(SetDecryptionShare.Validate(Parameters, share), session, chunk, party); // one pass, nothing allocated
        }
        catch (InvalidDataException e)
        {
            problem = e.Message;
        }

        return problem is null;
    }

    /// <summary>
    /// Decrypts chunk <paramref name="chunk"/>: the serialized sum of exactly U's uploads plus the serialized shares of every
    /// member of D, each checked as <see cref="TryCheckShare"/> does; returns the sums of the uploads' values mod 2^b
    /// (<see cref="ValuesPerChunk"/> of them).
    /// </summary>
    /// <exception cref="InvalidDataException">The sum or a share is malformed, or a share is for another session, chunk or member.</exception>
    /// <exception cref="InvalidOperationException">A member of D is missing or repeated, the sum's summand count is not |U|,
    /// or (CKKS) the error bound does not allow exact rounding; the message says which.</exception>
    public uint[] Combine(SetDecryptionSession session, int chunk, ReadOnlySpan<byte> sum, IEnumerable<ReadOnlyMemory<byte>> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        MaskedUpload total = MaskedUpload.Deserialize(Parameters, sum); // a malformed sum is named before any share
        ShareCombiner combiner = StartCombine(session, chunk);
        foreach (ReadOnlyMemory<byte> share in shares)
        {
            combiner.Add(share.Span);
        }

        return combiner.Finish(total);
    }

    /// <summary>
    /// <see cref="Combine"/> one share at a time: add each member's share as it is read (<see cref="ShareCombiner.Add"/>),
    /// then decrypt the sum (<see cref="ShareCombiner.Finish"/>). Memory: one aggregate share, whatever |D|.
    /// </summary>
    public ShareCombiner StartCombine(SetDecryptionSession session, int chunk)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new ShareCombiner(Parameters, session, chunk);
    }

    internal static string? Problem(SetDecryptionShareHeader share, SetDecryptionSession session, int chunk, int party)
    {
        if (!session.Decryptors.Contains(party))
        {
            return $"Party {party} is not in the decryption set D = {{{string.Join(", ", session.Decryptors)}}}.";
        }

        if (chunk < 0 || chunk >= session.ChunkCount)
        {
            return $"Chunk {chunk} is outside the session's chunks 0..{session.ChunkCount - 1}.";
        }

        if (!share.SessionDigest.Span.SequenceEqual(session.Digest.Span))
        {
            return "The share was made for another decryption session (another epoch, round, uploader set, decryption set or chunk count).";
        }

        if (share.Chunk != chunk)
        {
            return $"The share answers chunk {share.Chunk}, not chunk {chunk}.";
        }

        return share.Contributors.Count != 1 || share.Contributors[0] != party
            ? $"The share names contributor(s) {string.Join(", ", share.Contributors)}; it must be party {party}'s alone."
            : null;
    }
}
