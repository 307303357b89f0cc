using System.Security.Cryptography;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Statements;

/// <summary>
/// Key epoch step 2 (kind 2): body = r_i (32 bytes), the seed contribution whose SHA-256 the participant's
/// <see cref="EpochCommit"/> carries. Made only after all N commits verified.
/// </summary>
public sealed class EpochReveal : Statement
{
    /// <summary>Bytes of r_i.</summary>
    public const int ContributionBytes = 32;

    private readonly byte[] _contribution;

    /// <summary>Creates the statement.</summary>
    public EpochReveal(ReadOnlySpan<byte> consortiumDigest, ulong epoch, string participantId, ReadOnlySpan<byte> seedContribution)
        : base(consortiumDigest, epoch, participantId)
    {
        if (seedContribution.Length != ContributionBytes)
        {
            throw new ArgumentException($"A seed contribution has {ContributionBytes} bytes, not {seedContribution.Length}.", nameof(seedContribution));
        }

        _contribution = seedContribution.ToArray();
    }

    /// <inheritdoc/>
    public override StatementKind Kind => StatementKind.EpochReveal;

    /// <summary>r_i.</summary>
    public ReadOnlyMemory<byte> SeedContribution => _contribution;

    /// <summary>Whether SHA-256(r_i) is the commitment of <paramref name="commit"/> (same participant, epoch and consortium).</summary>
    public bool Matches(EpochCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        return commit.ParticipantId == ParticipantId && commit.Epoch == Epoch
            && commit.ConsortiumDigest.Span.SequenceEqual(ConsortiumDigest.Span)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(_contribution), commit.SeedCommitment.Span);
    }

    /// <summary>Reads an <see cref="EpochReveal"/> strictly.</summary>
    /// <exception cref="InvalidDataException">Not a canonical EpochReveal statement.</exception>
    public static new EpochReveal Parse(ReadOnlySpan<byte> statement) => Parse<EpochReveal>(statement);

    internal static EpochReveal ReadBody(ref ByteReader r, ReadOnlySpan<byte> digest, ulong epoch, string id) =>
        new(digest, epoch, id, r.Bytes(ContributionBytes, "seed contribution"));

    private protected override void WriteBody(ByteWriter writer) => writer.Bytes(_contribution);
}
