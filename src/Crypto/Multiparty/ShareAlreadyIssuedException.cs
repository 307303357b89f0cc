namespace SecAgg.Crypto.Multiparty;

/// <summary>A decryption share was already issued for this (epoch, round, chunk) to another session, so the request
/// cannot be served; the message says what to do.</summary>
public sealed class ShareAlreadyIssuedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ShareAlreadyIssuedException(string message)
        : base(message)
    {
    }
}
