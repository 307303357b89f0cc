using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Statements;

/// <summary>
/// A statement a participant signs with its enrollment key (docs/threat-model.md "Statements"). Canonical encoding:
/// <code>
/// "SecAgg statement v2" (19 bytes) ‖ kind (u8) ‖ consortium digest (32) ‖ epoch (u64 LE)
///     ‖ participant id (u16 LE length ‖ UTF-8) ‖ body (kind-specific, fixed length)
/// </code>
/// The four kinds are <see cref="EpochCommit"/>, <see cref="EpochReveal"/>, <see cref="UploadCommitment"/> and
/// <see cref="RoundApproval"/>. Parsing is strict (known kind, valid participant id, exact body length, no trailing
/// bytes), so <c>Parse(b).Encode()</c> is <c>b</c> and a signature covers exactly one statement.
/// </summary>
public abstract class Statement
{
    /// <summary>Longest encoding accepted (the longest real one, an <see cref="EpochCommit"/> with a 64-byte id, has 252 bytes).</summary>
    public const int MaxEncodedBytes = 512;

    /// <summary>Bytes of a SHA-256 digest field.</summary>
    public const int DigestBytes = 32;

    private static readonly byte[] Magic = "SecAgg statement v2"u8.ToArray();
    private readonly byte[] _consortiumDigest;

    private protected Statement(ReadOnlySpan<byte> consortiumDigest, ulong epoch, string participantId)
    {
        ArgumentNullException.ThrowIfNull(participantId);
        if (consortiumDigest.Length != DigestBytes)
        {
            throw new ArgumentException($"A consortium digest has {DigestBytes} bytes, not {consortiumDigest.Length}.", nameof(consortiumDigest));
        }

        if (!ParticipantIds.IsValid(participantId))
        {
            throw new ArgumentException($"Participant id '{participantId}' is not valid; use {ParticipantIds.Rule}.", nameof(participantId));
        }

        _consortiumDigest = consortiumDigest.ToArray();
        Epoch = epoch;
        ParticipantId = participantId;
    }

    /// <summary>The kind byte.</summary>
    public abstract StatementKind Kind { get; }

    /// <summary>The digest of the consortium the statement was made for.</summary>
    public ReadOnlyMemory<byte> ConsortiumDigest => _consortiumDigest;

    /// <summary>The key epoch the statement was made in.</summary>
    public ulong Epoch { get; }

    /// <summary>The participant who makes the statement (whose pinned key must have signed it).</summary>
    public string ParticipantId { get; }

    /// <summary>The canonical encoding (what is signed).</summary>
    public byte[] Encode()
    {
        var w = new ByteWriter(MaxEncodedBytes);
        w.Bytes(Magic);
        w.U8((byte)Kind);
        w.Bytes(_consortiumDigest);
        w.U64(Epoch);
        w.String(ParticipantId);
        WriteBody(w);
        return w.ToArray();
    }

    /// <summary>Reads a statement of any kind, strictly.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a canonical statement; the message says what is wrong.</exception>
    public static Statement Parse(ReadOnlySpan<byte> statement)
    {
        if (statement.Length > MaxEncodedBytes)
        {
            throw new InvalidDataException($"The statement is malformed: it has {statement.Length} bytes, more than the {MaxEncodedBytes} any statement has.");
        }

        var r = new ByteReader(statement, "statement");
        if (!r.Bytes(Magic.Length, "header").SequenceEqual(Magic))
        {
            throw r.Fail("it does not start with \"SecAgg statement v2\"");
        }

        byte kind = r.U8("kind");
        ReadOnlySpan<byte> digest = r.Bytes(DigestBytes, "consortium digest");
        ulong epoch = r.U64("epoch");
        string id = r.String("participant id", ParticipantIds.MaxLength);
        if (!ParticipantIds.IsValid(id))
        {
            throw r.Fail($"participant id '{id}' is not valid ({ParticipantIds.Rule})");
        }

        Statement s = (StatementKind)kind switch
        {
            StatementKind.EpochCommit => EpochCommit.ReadBody(ref r, digest, epoch, id),
            StatementKind.EpochReveal => EpochReveal.ReadBody(ref r, digest, epoch, id),
            StatementKind.UploadCommitment => UploadCommitment.ReadBody(ref r, digest, epoch, id),
            StatementKind.RoundApproval => RoundApproval.ReadBody(ref r, digest, epoch, id),
            _ => throw r.Fail($"kind {kind} is unknown (1 EpochCommit, 2 EpochReveal, 3 UploadCommitment, 4 RoundApproval)"),
        };
        r.End();
        return s;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} of '{ParticipantId}' (epoch {Epoch})";

    /// <summary>Reads a statement and requires it to be a <typeparamref name="T"/>.</summary>
    private protected static T Parse<T>(ReadOnlySpan<byte> statement)
        where T : Statement
    {
        Statement s = Parse(statement);
        return s as T ?? throw new InvalidDataException($"The statement is a {s.Kind} statement of '{s.ParticipantId}'; {typeof(T).Name} was expected.");
    }

    /// <summary>Writes the kind-specific body.</summary>
    private protected abstract void WriteBody(ByteWriter writer);
}
