using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Internal;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Epoch;

/// <summary>
/// A participant's side of a key epoch (docs/threat-model.md, "Key epoch"), network-free, driven step by step by the
/// participant library:
/// <list type="number">
/// <item><see cref="Start"/> draws r_i and a key-agreement key (<see cref="EpochSeedBeacon"/>), the key share s_i
/// (<see cref="KeyShareSecret"/>, OS CSPRNG) and a 32-byte dealing seed; <see cref="CreateCommit"/> signs EpochCommit.</item>
/// <item><see cref="Deal"/>(all N commits) verifies them (pinned keys, consortium, epoch, every member once, its own
/// unchanged), then returns its signed EpochReveal and its Shamir dealing of s_i (<see cref="KeyShareDealer"/>, seeds from
/// AES-CTR keyed by the dealing seed so that a re-deal after a restart is identical), each share sealed to its recipient
/// (<see cref="KeyAgreementEnvelope"/>, keys of the verified commits only).</item>
/// <item><see cref="Complete"/>(all N reveals, the N − 1 blobs addressed to it) derives the epoch seed, opens each blob
/// (the dealer named on failure), checks dealer and recipient inside, and keeps one share per dealer, its own included
/// (<see cref="KeyShareDealer.AggregateShares"/>) → <see cref="EpochKeys"/>.</item>
/// </list>
/// <see cref="ExportState"/> gives the secret state for the participant's 0600 state directory after <see cref="Start"/>
/// and again after <see cref="Deal"/>; <see cref="Resume"/> reads it back, so a restart continues without drawing new
/// secrets (the same commit, reveal and blobs). Not thread-safe.
/// <para>State format: "SAKE" ‖ version 1 ‖ consortium digest (32) ‖ aggregation parameter digest (32) ‖ epoch (u64) ‖
/// participant id (str) ‖ beacon state (u32 length ‖ <see cref="EpochSeedBeacon.ExportState"/>) ‖ s_i (u32 length ‖
/// <see cref="KeyShareSecret.Serialize"/>) ‖ dealing seed (32) ‖ verified commits: count (u16) ‖ each (u32 length ‖
/// <see cref="SignedStatement.Serialize"/>) ‖ SHA-256 of everything before it.</para>
/// </summary>
public sealed class ParticipantKeyEpoch : IDisposable
{
    private const string DealingLabel = "secagg/v2/dealing";
    private static readonly byte[] Magic = "SAKE"u8.ToArray();

    private readonly ProtocolPreset _preset;
    private readonly PinnedRoster _roster;
    private readonly EpochSeedBeacon _beacon;
    private readonly KeyShareSecret _secret;
    private readonly byte[] _dealingSeed;
    private SignedStatement[]? _verifiedCommits;

    private ParticipantKeyEpoch(ProtocolPreset preset, PinnedRoster roster, string participantId, ulong epoch, EpochSeedBeacon beacon, KeyShareSecret secret, byte[] dealingSeed)
    {
        _preset = preset;
        _roster = roster;
        ParticipantId = participantId;
        Epoch = epoch;
        PartyId = roster.Descriptor.IndexOf(participantId) + 1;
        _beacon = beacon;
        _secret = secret;
        _dealingSeed = dealingSeed;
    }

    /// <summary>This participant.</summary>
    public string ParticipantId { get; }

    /// <summary>Its party id (1-based roster position, the Shamir point).</summary>
    public int PartyId { get; }

    /// <summary>The key epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>Whether all N commits were verified (<see cref="Deal"/> succeeded; the reveal and blobs were made).</summary>
    public bool CommitsVerified => _verifiedCommits is not null;

    /// <summary>Starts the epoch with fresh secrets (r_i, ka_i, s_i, dealing seed).</summary>
    /// <exception cref="ArgumentException">The participant is not in the roster, or the preset belongs to another consortium than the roster.</exception>
    public static ParticipantKeyEpoch Start(ProtocolPreset preset, PinnedRoster roster, StatementSigner signer, string participantId, ulong epoch)
    {
        CheckArguments(preset, roster, participantId);
        EpochSeedBeacon beacon = EpochSeedBeacon.Create(roster, signer, participantId, epoch);
        KeyShareSecret secret = KeyShareSecret.Generate(preset.Aggregation, roster.Descriptor.IndexOf(participantId) + 1);
        return new ParticipantKeyEpoch(preset, roster, participantId, epoch, beacon, secret, RandomNumberGenerator.GetBytes(Prng.SeedLength));
    }

    /// <summary>Resumes from <see cref="ExportState"/>'s bytes (after a restart): the same secrets, and the verified commits if <see cref="Deal"/> had succeeded.</summary>
    /// <exception cref="InvalidDataException">The state is damaged, or belongs to another consortium, parameter set, epoch or participant.</exception>
    /// <exception cref="KeyEpochException">The stored commits no longer verify (e.g. a certificate is no longer admitted).</exception>
    public static ParticipantKeyEpoch Resume(ProtocolPreset preset, PinnedRoster roster, StatementSigner signer, string participantId, ulong epoch, ReadOnlySpan<byte> state)
    {
        CheckArguments(preset, roster, participantId);
        if (state.Length < 32 || !SHA256.HashData(state[..^32]).AsSpan().SequenceEqual(state[^32..]))
        {
            throw new InvalidDataException("The key epoch state is damaged (checksum mismatch); the epoch must restart with fresh commits.");
        }

        var r = new ByteReader(state[..^32], "key epoch state");
        if (!r.Bytes(Magic.Length, "header").SequenceEqual(Magic) || r.U8("version") != 1)
        {
            throw r.Fail("it is not a version-1 key epoch state");
        }

        bool same = r.Bytes(32, "consortium digest").SequenceEqual(roster.Descriptor.Digest.Span)
            & r.Bytes(32, "parameter digest").SequenceEqual(preset.Aggregation.Digest.Span)
            & r.U64("epoch") == epoch
            & r.String("participant id", ParticipantIds.MaxLength) == participantId;
        if (!same)
        {
            throw r.Fail($"it belongs to another consortium, parameter set, epoch or participant, not '{participantId}' in epoch {epoch} of consortium '{roster.Descriptor.ConsortiumId}'");
        }

        EpochSeedBeacon beacon = EpochSeedBeacon.Restore(roster, signer, participantId, epoch, r.LengthPrefixed("beacon state"));
        KeyShareSecret? secret = null;
        try
        {
            secret = KeyShareSecret.Deserialize(preset.Aggregation, r.LengthPrefixed("key share"));
            byte[] dealingSeed = r.Bytes(Prng.SeedLength, "dealing seed").ToArray();
            int commits = r.U16("commit count");
            var signed = new SignedStatement[commits];
            for (int i = 0; i < commits; i++)
            {
                signed[i] = SignedStatement.Deserialize(r.LengthPrefixed($"commit {i + 1}"));
            }

            r.End();
            var result = new ParticipantKeyEpoch(preset, roster, participantId, epoch, beacon, secret, dealingSeed);
            if (commits > 0)
            {
                result.VerifyCommits(signed);
            }

            return result;
        }
        catch
        {
            secret?.Dispose();
            beacon.Dispose();
            throw;
        }
    }

    /// <summary>The signed EpochCommit (SubmitCommit); the same content every time for these secrets.</summary>
    public SignedStatement CreateCommit() => _beacon.CreateCommit();

    /// <summary>
    /// Verifies all N signed commits (GetCommits) and makes the reveal and the sealed dealing. Called again (a retry, or
    /// after <see cref="Resume"/>) it must see the same commits and gives the same content.
    /// </summary>
    /// <exception cref="KeyEpochException">A commit is missing, repeated, forged, substituted, replayed, or the own one altered
    /// (names the participant); nothing is revealed or dealt.</exception>
    public EpochDealing Deal(IReadOnlyCollection<SignedStatement> commits)
    {
        VerifyCommits(commits);
        SignedStatement reveal = _beacon.CreateReveal();
        DealtKeyShare[] dealt = DealShares();
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using KeyAgreementEnvelope envelope = _beacon.CreateEnvelope();
            foreach (DealtKeyShare share in dealt.Where(s => s.RecipientId != PartyId))
            {
                byte[] plaintext = share.Serialize();
                try
                {
                    blobs[IdOf(share.RecipientId)] = envelope.Seal(IdOf(share.RecipientId), plaintext);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(plaintext);
                }
            }
        }
        finally
        {
            Dispose(dealt);
        }

        return new EpochDealing(reveal, blobs);
    }

    /// <summary>
    /// Derives the epoch seed from all N signed reveals (GetReveals) and opens the N − 1 blobs addressed to this participant
    /// (FetchThresholdShares; dealer id → ciphertext), keeping one share per dealer, its own included.
    /// </summary>
    /// <exception cref="KeyEpochException">A reveal is missing, forged or does not match its commit; a dealer's blob is
    /// missing, does not open, or holds a share of another dealer, recipient or parameter set (names the participant).</exception>
    /// <exception cref="InvalidOperationException"><see cref="Deal"/> has not succeeded (the commits are not verified).</exception>
    public EpochKeys Complete(IReadOnlyCollection<SignedStatement> reveals, IReadOnlyDictionary<string, byte[]> blobs)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        if (!CommitsVerified)
        {
            throw new InvalidOperationException($"'{ParticipantId}' cannot complete epoch {Epoch} before all N commits are verified (Deal).");
        }

        byte[] seed = _beacon.DeriveSeed(reveals);
        string? stranger = blobs.Keys.FirstOrDefault(id => _roster.Descriptor.IndexOf(id) < 0 || id == ParticipantId);
        if (stranger is not null)
        {
            throw new KeyEpochException(stranger, $"A share blob is presented as from '{stranger}', who is not another participant of the roster; the dealing is refused.");
        }

        var received = new List<DealtKeyShare>(_roster.Descriptor.ParticipantCount);
        DealtKeyShare[] own = DealShares();
        try
        {
            received.Add(own[PartyId - 1]);
            using KeyAgreementEnvelope envelope = _beacon.CreateEnvelope();
            foreach (RosterEntry dealer in _roster.Descriptor.Roster.Where(e => e.ParticipantId != ParticipantId))
            {
                received.Add(OpenShare(envelope, dealer.ParticipantId, blobs));
            }

            ThresholdKeyShares shares = new KeyShareDealer(_preset.Aggregation).AggregateShares(PartyId, received);
            byte[] secretBytes = _secret.Serialize();
            try
            {
                return new EpochKeys(Epoch, ParticipantId, seed, KeyShareSecret.Deserialize(_preset.Aggregation, secretBytes), shares);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secretBytes);
            }
        }
        finally
        {
            Dispose(own);
            Dispose(received.Skip(1));
        }
    }

    /// <summary>The secret state for the 0600 state directory (format in the class summary); the caller zeroes the array once written.</summary>
    public byte[] ExportState()
    {
        byte[] beacon = _beacon.ExportState();
        byte[] secret = _secret.Serialize();
        try
        {
            var w = new ByteWriter(256 + beacon.Length + secret.Length);
            w.Bytes(Magic);
            w.U8(1);
            w.Bytes(_roster.Descriptor.Digest.Span);
            w.Bytes(_preset.Aggregation.Digest.Span);
            w.U64(Epoch);
            w.String(ParticipantId);
            w.U32((uint)beacon.Length);
            w.Bytes(beacon);
            w.U32((uint)secret.Length);
            w.Bytes(secret);
            w.Bytes(_dealingSeed);
            SignedStatement[] commits = _verifiedCommits ?? [];
            w.U16(commits.Length);
            foreach (SignedStatement c in commits)
            {
                byte[] bytes = c.Serialize();
                w.U32((uint)bytes.Length);
                w.Bytes(bytes);
            }

            w.Bytes(SHA256.HashData(w.WrittenSpan));
            return w.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(beacon);
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Wipes r_i, ka_i, s_i and the dealing seed.</summary>
    public void Dispose()
    {
        _beacon.Dispose();
        _secret.Dispose();
        CryptographicOperations.ZeroMemory(_dealingSeed);
    }

    private static void CheckArguments(ProtocolPreset preset, PinnedRoster roster, string participantId)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(roster);
        roster.Descriptor.RequireParticipant(participantId, nameof(participantId));
        if (!preset.Descriptor.Digest.Span.SequenceEqual(roster.Descriptor.Digest.Span))
        {
            throw new ArgumentException("The preset was planned from another consortium descriptor than the roster's.", nameof(preset));
        }
    }

    private static void Dispose(IEnumerable<DealtKeyShare> shares)
    {
        foreach (DealtKeyShare s in shares)
        {
            s.Dispose();
        }
    }

    private void VerifyCommits(IReadOnlyCollection<SignedStatement> commits)
    {
        ArgumentNullException.ThrowIfNull(commits);
        _beacon.VerifyCommits(commits);
        _verifiedCommits = [.. commits];
    }

    private DealtKeyShare[] DealShares()
    {
        using Prng prng = Prng.FromSeed(_dealingSeed, DealingLabel);
        return new KeyShareDealer(_preset.Aggregation).GenerateShares(_secret, prng);
    }

    private string IdOf(int party) => _roster.Descriptor.Roster[party - 1].ParticipantId;

    private DealtKeyShare OpenShare(KeyAgreementEnvelope envelope, string dealerId, IReadOnlyDictionary<string, byte[]> blobs)
    {
        if (!blobs.TryGetValue(dealerId, out byte[]? blob))
        {
            throw new KeyEpochException(dealerId, $"No share blob from dealer '{dealerId}' for '{ParticipantId}' in epoch {Epoch}; all N − 1 are needed to complete the epoch.");
        }

        byte[] plaintext = envelope.Open(dealerId, blob);
        try
        {
            DealtKeyShare share = DealtKeyShare.Deserialize(_preset.Aggregation, plaintext);
            int dealer = _roster.Descriptor.IndexOf(dealerId) + 1;
            if (share.DealerId != dealer || share.RecipientId != PartyId)
            {
                share.Dispose();
                throw new KeyEpochException(dealerId,
                    $"The share sealed by '{dealerId}' names dealer {share.DealerId} and recipient {share.RecipientId}; it must be dealer {dealer}'s share for party {PartyId}. The dealing of '{dealerId}' is refused.");
            }

            return share;
        }
        catch (InvalidDataException e)
        {
            throw new KeyEpochException(dealerId, $"The share sealed by '{dealerId}' is malformed ({e.Message}); the dealing of '{dealerId}' is refused.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
