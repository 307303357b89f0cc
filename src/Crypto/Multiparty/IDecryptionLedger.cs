namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A member's durable record of the protocol-v2 decryption sessions it answered: key (epoch, round, chunk) → session
/// digest. It backs three rules of docs/threat-model.md: one session per (epoch, round), at most Q_cap (round, chunk)
/// pairs per epoch (the count the flooding bound relies on), and record before release. The shares themselves are not
/// kept: a share is a function of (keys, session, chunk) (<see cref="SessionKeyShare"/>), so a repeated identical request,
/// also after a restart, is answered with the same bytes by deriving them again. Records written before that (version 1)
/// hold the share bytes, which are returned as recorded.
/// </summary>
public interface IDecryptionLedger
{
    /// <summary>The session check before anything is computed: throws unless every chunk of
    /// <paramref name="session"/> can be answered (no other session recorded for its (epoch, round), and the chunks not
    /// yet recorded fit within the epoch's share cap).</summary>
    /// <exception cref="ShareAlreadyIssuedException">Another session is recorded for the (epoch, round).</exception>
    /// <exception cref="ShareBudgetExhaustedException">Answering would exceed Q_cap for the epoch.</exception>
    void CheckSession(SetDecryptionSession session);

    /// <summary>
    /// Records durably that (session.Epoch, session.Round, <paramref name="chunk"/>) is answered for
    /// <paramref name="session"/>, before the caller computes and releases the share, or finds the record of an earlier
    /// answer of the same session. Returns the share bytes of a version-1 record (an answer made before shares were
    /// derived: re-send them as recorded), else null (derive the share: the same bytes as any earlier answer).
    /// </summary>
    /// <exception cref="ShareAlreadyIssuedException">Another session is recorded for the (epoch, round).</exception>
    /// <exception cref="ShareBudgetExhaustedException">The epoch already holds Q_cap entries.</exception>
    byte[]? Record(SetDecryptionSession session, int chunk);

    /// <summary>How many (round, chunk) pairs were answered in <paramref name="epoch"/>.</summary>
    long IssuedCount(ulong epoch);
}
