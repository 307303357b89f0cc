namespace SecAgg.Crypto.Multiparty;

/// <summary>A member already answered its share cap Q_cap of (round, chunk) pairs in this key epoch (or answering the
/// session would exceed it): the flooding bound covers no more shares, so a new key epoch must start.</summary>
public sealed class ShareBudgetExhaustedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ShareBudgetExhaustedException(string message)
        : base(message)
    {
    }
}
