using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Statements;

/// <summary>
/// After the uploads of a round close (kind 4): body = round (u64 LE) ‖ list digest (32), the digest of the upload list
/// the participant approves (<see cref="UploadList"/>). A participant signs at most one list per (epoch, round).
/// </summary>
public sealed class RoundApproval : Statement
{
    private readonly byte[] _listDigest;

    /// <summary>Creates the statement.</summary>
    public RoundApproval(ReadOnlySpan<byte> consortiumDigest, ulong epoch, string participantId, ulong round, ReadOnlySpan<byte> listDigest)
        : base(consortiumDigest, epoch, participantId)
    {
        if (listDigest.Length != DigestBytes)
        {
            throw new ArgumentException($"An upload-list digest has {DigestBytes} bytes, not {listDigest.Length}.", nameof(listDigest));
        }

        Round = round;
        _listDigest = listDigest.ToArray();
    }

    /// <inheritdoc/>
    public override StatementKind Kind => StatementKind.RoundApproval;

    /// <summary>The round.</summary>
    public ulong Round { get; }

    /// <summary>The digest of the approved upload list (<see cref="UploadList.Digest"/>).</summary>
    public ReadOnlyMemory<byte> ListDigest => _listDigest;

    /// <summary>Reads a <see cref="RoundApproval"/> strictly.</summary>
    /// <exception cref="InvalidDataException">Not a canonical RoundApproval statement.</exception>
    public static new RoundApproval Parse(ReadOnlySpan<byte> statement) => Parse<RoundApproval>(statement);

    internal static RoundApproval ReadBody(ref ByteReader r, ReadOnlySpan<byte> digest, ulong epoch, string id)
    {
        ulong round = r.U64("round");
        return new(digest, epoch, id, round, r.Bytes(DigestBytes, "list digest"));
    }

    private protected override void WriteBody(ByteWriter writer)
    {
        writer.U64(Round);
        writer.Bytes(_listDigest);
    }
}
