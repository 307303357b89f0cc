namespace SecAgg.Crypto.Multiparty;

/// <summary>Which scheme a set of <see cref="MultipartyParameters"/> serves. Keys, Shamir shares and decryption
/// secrets are scheme-independent RLWE objects; ciphertexts and decryption finalization are not.</summary>
public enum MultipartyScheme
{
    /// <summary>Packed BFV (<see cref="CollectiveEncryptor"/>, <see cref="CompactCiphertext"/>, <see cref="DecryptionShareProtocol"/>).</summary>
    Bfv = 0,

    /// <summary>CKKS (<see cref="Ckks.CkksEncryptor"/> with <see cref="Ckks.CkksPublicKey.FromCollective"/>,
    /// <see cref="CkksDecryptionShareProtocol"/>).</summary>
    Ckks = 1,
}
