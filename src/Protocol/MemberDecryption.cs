using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Approval;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol;

/// <summary>
/// A member's side of decryption for one key epoch (docs/threat-model.md, "Session check" and "Share"): given what the
/// aggregator sends for round r (U's signed commitments and approvals, the decryption set D), <see cref="Open"/> runs
/// <see cref="DecryptionSessionPolicy.Check"/> against the member's own file (every approval over exactly U's list,
/// |U| ≥ m, |D| = t, member in D), checks the chunk count against its own plan, fixes the crypto layer's
/// <see cref="SetDecryptionSession"/>, asks its ledger (<see cref="IDecryptionLedger.CheckSession"/>: no other session
/// for (epoch, r), within Q_cap) and prepares K_j once. Any failure is a refusal with the reason and nothing computed.
/// The returned <see cref="MemberSession"/> then answers chunk by chunk, each answer recorded in the ledger before the
/// share is computed (a repeated identical request gets the same bytes: the share is derived, not drawn afresh).
/// </summary>
public sealed class MemberDecryption
{
    private readonly ProtocolPreset _preset;
    private readonly PinnedRoster _roster;
    private readonly EpochKeys _keys;
    private readonly IDecryptionLedger _ledger;
    private readonly DecryptionSessionPolicy _policy;

    /// <summary>Creates the member side of <paramref name="keys"/>' owner for its epoch.</summary>
    /// <param name="preset">The member's own planned parameters.</param>
    /// <param name="roster">The member's roster (its own descriptor, the admitted certificates).</param>
    /// <param name="keys">The member's keys of the epoch (not copied: keep them alive while sessions are open).</param>
    /// <param name="ledger">The member's durable decryption ledger for these parameters (e.g. <see cref="FileDecryptionLedger"/> in its 0600 state).</param>
    /// <exception cref="ArgumentException">The preset, roster and keys do not belong together.</exception>
    public MemberDecryption(ProtocolPreset preset, PinnedRoster roster, EpochKeys keys, IDecryptionLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(roster);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(ledger);
        if (!preset.Descriptor.Digest.Span.SequenceEqual(roster.Descriptor.Digest.Span))
        {
            throw new ArgumentException("The preset was planned from another consortium descriptor than the roster's.", nameof(preset));
        }

        if (!keys.Shares.Parameters.Digest.Span.SequenceEqual(preset.Aggregation.Digest.Span))
        {
            throw new ArgumentException("The epoch keys were made under other aggregation parameters than the preset's.", nameof(keys));
        }

        _preset = preset;
        _roster = roster;
        _keys = keys;
        _ledger = ledger;
        _policy = new DecryptionSessionPolicy(roster, keys.ParticipantId, keys.Epoch);
    }

    /// <summary>The member.</summary>
    public string MemberId => _keys.ParticipantId;

    /// <summary>The key epoch.</summary>
    public ulong Epoch => _keys.Epoch;

    /// <summary>
    /// Checks a decryption session for <paramref name="round"/> (DecryptionSession: commitments, approvals, decryption_set)
    /// and prepares it; the accepted value answers chunk by chunk (dispose it to wipe K_j).
    /// </summary>
    public RoundDecision<MemberSession> Open(ulong round, IReadOnlyList<SignedStatement> commitments, IReadOnlyList<SignedStatement> approvals, IReadOnlyList<string> decryptionSet)
    {
        RoundDecision<DecryptionSession> checkedSession = _policy.Check(round, commitments, approvals, decryptionSet);
        if (checkedSession.Value is not DecryptionSession session)
        {
            return RoundDecision<MemberSession>.Refuse(checkedSession.Refusal!.Value, checkedSession.Reason);
        }

        if (session.TotalChunks != _preset.ChunksPerRound)
        {
            return RoundDecision<MemberSession>.Refuse(RoundRefusal.ChunkCountMismatch,
                $"The uploads of round {round} have {session.TotalChunks} chunks; this member's consortium file plans {_preset.ChunksPerRound} per round. Nothing is answered.");
        }

        var crypto = new SetDecryptionSession(_preset.Aggregation, Epoch, round, session.TotalChunks, session.UploaderParties, session.DecryptionParties);
        try
        {
            _ledger.CheckSession(crypto);
        }
        catch (ShareAlreadyIssuedException e)
        {
            return RoundDecision<MemberSession>.Refuse(RoundRefusal.ShareAlreadyIssued, e.Message);
        }
        catch (ShareBudgetExhaustedException e)
        {
            return RoundDecision<MemberSession>.Refuse(RoundRefusal.ShareBudgetExhausted, e.Message);
        }

        var protocol = new SetDecryptionProtocol(_preset.Aggregation);
        SessionKeyShare key = protocol.PrepareSession(_keys.Shares, crypto);
        return RoundDecision<MemberSession>.Accept(new MemberSession(session, crypto, protocol, key, _ledger, _keys.EpochSeed));
    }
}
