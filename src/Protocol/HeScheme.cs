namespace SecAgg.Protocol;

/// <summary>
/// The homomorphic scheme of a consortium's ciphertexts (the consortium option <c>he.scheme</c>). Both run
/// over the same collective RLWE key (ring degree, ciphertext moduli, secret shares, threshold shares):
/// the scheme decides how values become plaintexts, how ciphertexts are added and how a decrypted sum is
/// read back (docs/ckks-integration.md).
/// </summary>
public enum HeScheme
{
    /// <summary>BFV: exact integers mod 2^b (the DDG pipeline); the default.</summary>
    Bfv = 0,

    /// <summary>CKKS: fixed-point reals at scale 2^logΔ, approximate; see docs/ckks-integration.md for its privacy story.</summary>
    Ckks = 1,
}

/// <summary>Names of <see cref="HeScheme"/> as the consortium file and the command line write them.</summary>
public static class HeSchemeNames
{
    /// <summary>"bfv".</summary>
    public const string Bfv = "bfv";

    /// <summary>"ckks".</summary>
    public const string Ckks = "ckks";

    /// <summary>The lower-case name of <paramref name="scheme"/>.</summary>
    public static string Name(HeScheme scheme) => scheme switch
    {
        HeScheme.Bfv => Bfv,
        HeScheme.Ckks => Ckks,
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Unknown HE scheme."),
    };

    /// <summary>Parses "bfv" or "ckks" (exact, lower case).</summary>
    public static bool TryParse(string? text, out HeScheme scheme)
    {
        switch (text)
        {
            case Bfv:
                scheme = HeScheme.Bfv;
                return true;
            case Ckks:
                scheme = HeScheme.Ckks;
                return true;
            default:
                scheme = HeScheme.Bfv;
                return false;
        }
    }

    /// <summary>Parses "bfv" or "ckks"; throws <see cref="ArgumentException"/> naming the accepted values otherwise.</summary>
    public static HeScheme Parse(string text, string parameterName = "scheme") =>
        TryParse(text, out HeScheme s) ? s : throw new ArgumentException($"Unknown HE scheme '{text}'; use {Bfv} or {Ckks}.", parameterName);
}
