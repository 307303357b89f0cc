using System.Collections.Immutable;
using System.Security.Cryptography;
using SecAgg.Protocol.Internal;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Approval;

/// <summary>
/// A decryption session a member has checked (<see cref="DecryptionSessionPolicy"/>): round r, the approved upload set U
/// and the decryption set D, as party ids (1-based roster positions, the Shamir points), ascending.
/// <see cref="SessionDigest"/> = SHA-256("secagg/v2/decryption-session" ‖ consortium digest ‖ epoch (u64 LE) ‖ round (u64 LE)
/// ‖ list digest ‖ |D| (u16 LE) ‖ D's party ids (u16 LE each, ascending)) identifies it in the member's share ledger.
/// </summary>
public sealed class DecryptionSession
{
    private static readonly byte[] Domain = "secagg/v2/decryption-session"u8.ToArray();
    private readonly byte[] _listDigest;
    private readonly byte[] _sessionDigest;

    internal DecryptionSession(ReadOnlySpan<byte> consortiumDigest, ulong epoch, ulong round, VerifiedUploadList uploads, ImmutableArray<int> decryptionParties, int memberParty)
    {
        Epoch = epoch;
        Round = round;
        Commitments = [.. uploads.Commitments];
        UploaderParties = [.. uploads.RosterIndices.Select(i => i + 1)];
        DecryptionParties = decryptionParties;
        MemberParty = memberParty;
        TotalChunks = uploads.TotalChunks;
        _listDigest = uploads.Digest;
        var w = new ByteWriter(128);
        w.Bytes(Domain);
        w.Bytes(consortiumDigest);
        w.U64(epoch);
        w.U64(round);
        w.Bytes(_listDigest);
        w.U16(decryptionParties.Length);
        foreach (int j in decryptionParties)
        {
            w.U16(j);
        }

        _sessionDigest = SHA256.HashData(w.WrittenSpan);
    }

    /// <summary>The key epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>The round.</summary>
    public ulong Round { get; }

    /// <summary>U's verified upload commitments, in roster order.</summary>
    public ImmutableArray<UploadCommitment> Commitments { get; }

    /// <summary>U as party ids (1..N), ascending.</summary>
    public ImmutableArray<int> UploaderParties { get; }

    /// <summary>|U|: the summands of the decrypted sum (σ_flood and the privacy accounting use it).</summary>
    public int UploaderCount => UploaderParties.Length;

    /// <summary>D as party ids (1..N), ascending; |D| = t.</summary>
    public ImmutableArray<int> DecryptionParties { get; }

    /// <summary>The checking member's party id (in D).</summary>
    public int MemberParty { get; }

    /// <summary>The chunk count every commitment of U states: the member answers chunks 0..TotalChunks − 1 only.</summary>
    public int TotalChunks { get; }

    /// <summary>The digest of the upload list every member of U approved.</summary>
    public ReadOnlyMemory<byte> ListDigest => _listDigest;

    /// <summary>The session's digest (formula in the class summary).</summary>
    public ReadOnlyMemory<byte> SessionDigest => _sessionDigest;
}
