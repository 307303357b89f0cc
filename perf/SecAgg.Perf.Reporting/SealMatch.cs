namespace SecAgg.Perf.Reporting;

/// <summary>
/// One of our benchmarks beside the SEAL operation that does the same work (or, where <see cref="Note"/> says so, SEAL's
/// default way of doing it), at the same ring degree and primes.
/// </summary>
/// <param name="Label">What is compared, for the report.</param>
/// <param name="N">Ring degree.</param>
/// <param name="Ours">Our BenchmarkDotNet benchmark as "Type.Method" (its N parameter, where it has one, is <paramref name="N"/>).</param>
/// <param name="Seal">SEAL's operation label in its benchmark's output.</param>
/// <param name="Note">What differs between the two, or "" when the work is the same.</param>
public sealed record SealMatch(string Label, int N, string Ours, string Seal, string Note)
{
    /// <summary>
    /// The comparisons the side-by-side run makes: BFV (<c>BfvBenchmarks</c>, t = 2^16; n = 4096: primes 36+36, n = 8192:
    /// 43+43+44+44) and CKKS (<c>CkksBenchmarks</c>, preset N8192Q140Scale40: n = 8192, primes 60+40+40, scale 2^40,
    /// 4096 real slots), matching <c>../shared/anchors/seal/bench.cpp</c>.
    /// </summary>
    public static IReadOnlyList<SealMatch> All { get; } =
    [
        .. new[] { 4096, 8192 }.SelectMany(n => new SealMatch[]
        {
            new("BFV pk-encrypt, same work", n, "BfvBenchmarks.EncryptPublicKey", "EncryptPublicKey(key: no special prime)",
                "SEAL encrypt_zero at the key level without a special prime + multiply_add_plain_with_scaling_variant: what our Encryptor does") { Headline = true },
            new("BFV pk-encrypt, SEAL's default path", n, "BfvBenchmarks.EncryptPublicKey", "EncryptPublicKey(std: keylevel+moddown)",
                "SEAL does more work: it encrypts at one more prime (the special prime) and divides it out; this is what a default SEAL user gets"),
            new("BFV sk-encrypt", n, "BfvBenchmarks.EncryptSymmetric", "EncryptSymmetric(std)",
                "ours allocates the ciphertext it returns, SEAL writes into a reused one"),
            new("BFV add", n, "BfvBenchmarks.Add", "Add(into dest)", ""),
            new("BFV decrypt", n, "BfvBenchmarks.Decrypt", "Decrypt",
                "ours allocates the plaintext it returns, SEAL writes into a reused one"),
        }),
        new("CKKS encode + pk-encrypt, 3 limbs (60+40+40)", 8192, "CkksBenchmarks.EncodeEncrypt", "CkksEncodeEncrypt(key: 3 limbs; no special prime)",
            "SEAL encodes at the key level, encrypt_zero there and adds the plaintext: the same work as ours") { Headline = true },
        new("CKKS encode + pk-encrypt, 2 limbs (60+40)", 8192, "CkksBenchmarks.EncodeEncryptTwoLimbs", "CkksEncodeEncrypt(std: 2 limbs)",
            "SEAL's default path encrypts at 3 limbs and divides out the special prime; ours encrypts at the 2 limbs directly"),
        new("CKKS decrypt + decode at the 60-bit prime", 8192, "CkksBenchmarks.DecryptDecode", "CkksDecryptDecode(1 limb: 60-bit prime)",
            "ours decrypts the 3-limb ciphertext at its 60-bit prime and allocates the plaintext; SEAL's ciphertext was switched down to that prime beforehand (untimed)"),
        new("CKKS add, 3 limbs", 8192, "CkksBenchmarks.Add", "CkksAddInplace(key: 3 limbs; add_poly_coeffmod)",
            "SEAL's add kernel (add_poly_coeffmod, what add_inplace runs) on 3-limb ciphertexts"),
    ];

    /// <summary>Whether the report's headline quotes this comparison (the encryptions where both sides do the same work).</summary>
    public bool Headline { get; init; }

    /// <summary>The type name of <see cref="Ours"/> ("BfvBenchmarks").</summary>
    public string OurType => Ours[..Ours.IndexOf('.', StringComparison.Ordinal)];

    /// <summary>The method name of <see cref="Ours"/> ("EncryptPublicKey").</summary>
    public string OurMethod => Ours[(Ours.IndexOf('.', StringComparison.Ordinal) + 1)..];
}
