using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Internal;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Epoch;

/// <summary>
/// A participant's side of the key epoch's commit-then-reveal (docs/threat-model.md "Key epoch", steps 1–3):
/// <list type="number">
/// <item><see cref="Create"/> draws r_i (32 bytes, OS CSPRNG) and a fresh P-256 key-agreement key ka_i; <see cref="ExportState"/>
/// gives both as bytes for the participant's 0600 state file (<see cref="Restore"/> reads them back); <see cref="CreateCommit"/>
/// signs EpochCommit(SHA-256(r_i), ka_i public).</item>
/// <item><see cref="VerifyCommits"/> takes all N signed commits: each verifies under its participant's pinned key for this consortium
/// and epoch, every roster member exactly once, and this participant's own commit unchanged. Only then <see cref="CreateReveal"/>
/// signs EpochReveal(r_i) and <see cref="CreateEnvelope"/> gives the envelope over the verified ka keys.</item>
/// <item><see cref="DeriveSeed"/> takes all N signed reveals, checks each against its commit and returns
/// <b>seed = SHA-256("secagg/v2/epoch-seed" ‖ consortium digest ‖ epoch (u64 LE) ‖ r_1 ‖ … ‖ r_N)</b> in roster order
/// (<see cref="EpochSeed"/>, which the aggregator uses to derive the same public seed).
/// One honest r_i makes it uniform; a party that sees the others' reveals can only abort, not choose.</item>
/// </list>
/// Failures throw <see cref="KeyEpochException"/> naming the participant. Not thread-safe (one join at a time).
/// </summary>
public sealed class EpochSeedBeacon : IDisposable
{
    private const int ContributionBytes = EpochReveal.ContributionBytes;
    private const int ChecksumBytes = 32;
    private static readonly byte[] StateMagic = "SAEB"u8.ToArray();

    private readonly PinnedRoster _roster;
    private readonly StatementSigner _signer;
    private readonly byte[] _contribution;
    private readonly ECDiffieHellman _keyAgreement;
    private readonly EpochCommit _ownCommit;
    private EpochCommit[]? _verified;

    private EpochSeedBeacon(PinnedRoster roster, StatementSigner signer, string participantId, ulong epoch, byte[] contribution, ECDiffieHellman keyAgreement)
    {
        _roster = roster;
        _signer = signer;
        ParticipantId = participantId;
        Epoch = epoch;
        _contribution = contribution;
        _keyAgreement = keyAgreement;
        _ownCommit = new EpochCommit(roster.Descriptor.Digest.Span, epoch, participantId, SHA256.HashData(contribution), keyAgreement.ExportSubjectPublicKeyInfo());
    }

    /// <summary>This participant.</summary>
    public string ParticipantId { get; }

    /// <summary>The key epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>Whether all N commits were verified (the reveal and the envelope are available only then).</summary>
    public bool CommitsVerified => _verified is not null;

    /// <summary>Starts participant <paramref name="participantId"/>'s part of <paramref name="epoch"/> with a fresh r_i and ka_i.</summary>
    /// <exception cref="ArgumentException">The participant is not in the roster.</exception>
    public static EpochSeedBeacon Create(PinnedRoster roster, StatementSigner signer, string participantId, ulong epoch)
    {
        CheckArguments(roster, signer, participantId);
        return new EpochSeedBeacon(roster, signer, participantId, epoch, RandomNumberGenerator.GetBytes(ContributionBytes), ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256));
    }

    /// <summary>Restores a beacon from <see cref="ExportState"/>'s bytes (after a restart: the same r_i and ka_i, so the same commit).</summary>
    /// <exception cref="InvalidDataException">The state is damaged or belongs to another consortium, epoch or participant.</exception>
    public static EpochSeedBeacon Restore(PinnedRoster roster, StatementSigner signer, string participantId, ulong epoch, ReadOnlySpan<byte> state)
    {
        CheckArguments(roster, signer, participantId);
        if (state.Length < ChecksumBytes || !SHA256.HashData(state[..^ChecksumBytes]).AsSpan().SequenceEqual(state[^ChecksumBytes..]))
        {
            throw new InvalidDataException("The epoch beacon state is damaged (checksum mismatch); the epoch must restart with fresh commits.");
        }

        var r = new ByteReader(state[..^ChecksumBytes], "epoch beacon state");
        if (!r.Bytes(StateMagic.Length, "header").SequenceEqual(StateMagic) || r.U8("version") != 1)
        {
            throw r.Fail("it is not a version-1 epoch beacon state");
        }

        bool same = r.Bytes(ConsortiumDescriptor.DigestBytes, "consortium digest").SequenceEqual(roster.Descriptor.Digest.Span)
            & r.U64("epoch") == epoch
            & r.String("participant id", ParticipantIds.MaxLength) == participantId;
        if (!same)
        {
            throw r.Fail($"it belongs to another consortium, epoch or participant, not '{participantId}' in epoch {epoch} of consortium '{roster.Descriptor.ConsortiumId}'");
        }

        byte[] contribution = r.Bytes(ContributionBytes, "seed contribution").ToArray();
        int keyLength = r.U16("key length");
        ReadOnlySpan<byte> pkcs8 = r.Bytes(keyLength, "key-agreement key");
        r.End();
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out _);
            if (!P256Keys.IsP256(key))
            {
                throw new InvalidDataException("The epoch beacon state is malformed: its key-agreement key is not a P-256 key.");
            }
        }
        catch (Exception e) when (e is CryptographicException or InvalidDataException)
        {
            key.Dispose();
            CryptographicOperations.ZeroMemory(contribution);
            throw e as InvalidDataException ?? new InvalidDataException("The epoch beacon state is malformed: its key-agreement key cannot be read.", e);
        }

        return new EpochSeedBeacon(roster, signer, participantId, epoch, contribution, key);
    }

    /// <summary>
    /// The secret state to keep in the participant's 0600 state file until the epoch completes:
    /// "SAEB" ‖ version 1 ‖ consortium digest ‖ epoch ‖ participant id ‖ r_i ‖ ka_i (PKCS#8, u16-length-prefixed) ‖ SHA-256 checksum.
    /// The caller zeroes the array once written.
    /// </summary>
    public byte[] ExportState()
    {
        byte[] pkcs8 = _keyAgreement.ExportPkcs8PrivateKey();
        byte[] id = System.Text.Encoding.UTF8.GetBytes(ParticipantId);
        int length = StateMagic.Length + 1 + ConsortiumDescriptor.DigestBytes + 8 + 2 + id.Length + ContributionBytes + 2 + pkcs8.Length;
        byte[] state = new byte[length + ChecksumBytes];
        var s = state.AsSpan();
        StateMagic.CopyTo(s);
        s[4] = 1;
        _roster.Descriptor.Digest.Span.CopyTo(s[5..]);
        BinaryPrimitives.WriteUInt64LittleEndian(s[37..], Epoch);
        BinaryPrimitives.WriteUInt16LittleEndian(s[45..], (ushort)id.Length);
        id.CopyTo(s[47..]);
        int at = 47 + id.Length;
        _contribution.CopyTo(s[at..]);
        at += ContributionBytes;
        BinaryPrimitives.WriteUInt16LittleEndian(s[at..], (ushort)pkcs8.Length);
        pkcs8.CopyTo(s[(at + 2)..]);
        CryptographicOperations.ZeroMemory(pkcs8);
        SHA256.HashData(s[..length], s[length..]);
        return state;
    }

    /// <summary>Signs this participant's EpochCommit (the same content every time for this r_i and ka_i).</summary>
    public SignedStatement CreateCommit() => _signer.Sign(_ownCommit);

    /// <summary>
    /// Verifies all N signed commits; returns them in roster order. Called again (e.g. after a retry), it must get the same commits.
    /// </summary>
    /// <exception cref="KeyEpochException">A commit does not verify (names its participant: forged, substituted key, cross-attributed, replayed
    /// from another epoch or consortium), a roster member's commit is missing (withheld) or repeated, or the own commit was altered.</exception>
    public IReadOnlyList<EpochCommit> VerifyCommits(IReadOnlyCollection<SignedStatement> commits)
    {
        EpochCommit[] ordered = VerifyAll<EpochCommit>(commits, "commit");
        EpochCommit mine = ordered[_roster.Descriptor.IndexOf(ParticipantId)];
        if (!mine.Encode().AsSpan().SequenceEqual(_ownCommit.Encode()))
        {
            throw new KeyEpochException(ParticipantId,
                $"The epoch commit shown as '{ParticipantId}''s own is not the one it made (another seed commitment or key-agreement key); the epoch is refused.");
        }

        for (int i = 0; _verified is not null && i < ordered.Length; i++)
        {
            if (!ordered[i].Encode().AsSpan().SequenceEqual(_verified[i].Encode()))
            {
                throw new KeyEpochException(ordered[i].ParticipantId,
                    $"The epoch commit of '{ordered[i].ParticipantId}' differs from the one verified before in epoch {Epoch}; commits cannot change within an epoch.");
            }
        }

        _verified = ordered;
        return ordered;
    }

    /// <summary>Signs this participant's EpochReveal (r_i).</summary>
    /// <exception cref="InvalidOperationException">The N commits have not been verified: r_i is never revealed before every commit is fixed.</exception>
    public SignedStatement CreateReveal()
    {
        RequireVerified("reveal r_i");
        return _signer.Sign(new EpochReveal(_roster.Descriptor.Digest.Span, Epoch, ParticipantId, _contribution));
    }

    /// <summary>Verifies all N signed reveals against the verified commits and derives the epoch seed (formula in the class summary).</summary>
    /// <exception cref="KeyEpochException">A reveal does not verify, is missing or repeated, or does not match its participant's commit (names it).</exception>
    /// <exception cref="InvalidOperationException">The commits have not been verified.</exception>
    public byte[] DeriveSeed(IReadOnlyCollection<SignedStatement> reveals)
    {
        EpochCommit[] commits = RequireVerified("derive the epoch seed");
        return EpochSeed.FromVerifiedCommits(_roster, Epoch, commits, reveals);
    }

    /// <summary>The share envelope of this participant over the verified commits' key-agreement keys.</summary>
    /// <exception cref="InvalidOperationException">The commits have not been verified.</exception>
    public KeyAgreementEnvelope CreateEnvelope()
    {
        EpochCommit[] commits = RequireVerified("seal or open share envelopes");
        var copy = ECDiffieHellman.Create();
        byte[] pkcs8 = _keyAgreement.ExportPkcs8PrivateKey();
        try
        {
            copy.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        return new KeyAgreementEnvelope(_roster.Descriptor, Epoch, ParticipantId, copy, commits);
    }

    /// <summary>Zeroes r_i and disposes ka_i.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_contribution);
        _keyAgreement.Dispose();
    }

    private static void CheckArguments(PinnedRoster roster, StatementSigner signer, string participantId)
    {
        ArgumentNullException.ThrowIfNull(roster);
        ArgumentNullException.ThrowIfNull(signer);
        roster.Descriptor.RequireParticipant(participantId, nameof(participantId));
    }

    private EpochCommit[] RequireVerified(string action) => _verified
        ?? throw new InvalidOperationException($"'{ParticipantId}' cannot {action} in epoch {Epoch} before all N epoch commits are verified (VerifyCommits).");

    private T[] VerifyAll<T>(IReadOnlyCollection<SignedStatement> signed, string what)
        where T : Statement => EpochSeed.VerifyAll<T>(_roster, Epoch, signed, what);
}
