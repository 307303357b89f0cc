namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// A member's durable record of the protocol-v2 decryption shares it released: key (epoch, round, chunk) → (session
/// digest, share bytes). It backs three rules of docs/threat-model.md: one session per (epoch, round) (a repeated
/// identical session gets the same bytes, also after a restart), at most Q_cap (round, chunk) pairs per epoch (the count
/// the flooding bound relies on), and record before release.
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
    /// Returns the share bytes recorded for (session.Epoch, session.Round, <paramref name="chunk"/>) when they were made
    /// for this same session; otherwise calls <paramref name="create"/>, records its bytes durably, then returns them.
    /// </summary>
    /// <exception cref="ShareAlreadyIssuedException">Another session is recorded for the (epoch, round).</exception>
    /// <exception cref="ShareBudgetExhaustedException">The epoch already holds Q_cap entries.</exception>
    byte[] GetOrCreate(SetDecryptionSession session, int chunk, Func<byte[]> create);

    /// <summary>How many (round, chunk) pairs were answered in <paramref name="epoch"/>.</summary>
    long IssuedCount(ulong epoch);
}
