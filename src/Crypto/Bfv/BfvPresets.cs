namespace SecAgg.Crypto.Bfv;

/// <summary>
/// Named parameter sets (all within the HomomorphicEncryption.org 128-bit bound). Primes come from
/// <see cref="CoeffModulus.Create"/>, so they are deterministic. Every limb of q holds data (addition-only
/// aggregation needs no special prime), and modulus switching to fewer limbs shrinks ciphertexts before upload.
/// </summary>
public static class BfvPresets
{
    /// <summary>n = 4096, q = two 36-bit primes (72 bits): SEAL's default data level for n = 4096, for comparisons.</summary>
    public static EncryptionParameters N4096Q72(ulong plainModulus) => Create(4096, plainModulus, 36, 36);

    /// <summary>n = 2048, q = one 54-bit prime.</summary>
    public static EncryptionParameters N2048Q54(ulong plainModulus) => Create(2048, plainModulus, 54);

    /// <summary>n = 4096, q = 54 + 55 bits = 109 bits (the maximum for n = 4096).</summary>
    public static EncryptionParameters N4096Q109(ulong plainModulus) => Create(4096, plainModulus, 55, 54);

    /// <summary>n = 8192, q = 4 primes, 218 bits (the maximum for n = 8192).</summary>
    public static EncryptionParameters N8192Q218(ulong plainModulus) => Create(8192, plainModulus, 55, 55, 54, 54);

    /// <summary>n = 16384, q = 8 primes, 438 bits (the maximum for n = 16384).</summary>
    public static EncryptionParameters N16384Q438(ulong plainModulus) =>
        Create(16384, plainModulus, 55, 55, 55, 55, 55, 55, 54, 54);

    private static EncryptionParameters Create(int n, ulong t, params int[] bits) => new()
    {
        PolyModulusDegree = n,
        CoeffModulus = CoeffModulus.Create(n, bits),
        PlainModulus = t,
    };
}
