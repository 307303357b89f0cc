namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// The participant-side entry point for decryption shares, enforcing "never two shares for one
/// ciphertext": the first request for a ciphertext (identified by <see cref="CompactCiphertext.ShareDigest"/>,
/// i.e. by c1) generates a flooded share, records its bytes durably in the ledger and only then returns
/// them; every later request for the same c1 — also after a restart — returns exactly those bytes.
/// A later request for the same c1 with a different decryption set is refused with
/// <see cref="ShareAlreadyIssuedException"/> (the set is fixed once per ciphertext).
/// </summary>
public sealed class DecryptionShareGuard
{
    private readonly DecryptionShareProtocol? _bfv;
    private readonly CkksDecryptionShareProtocol? _ckks;
    private readonly IShareLedger _ledger;
    private readonly MultipartyParameters _p;
    private readonly object _gate = new();

    /// <summary>Creates a guard over <paramref name="ledger"/> for BFV or CKKS parameters (<see cref="MultipartyParameters.Scheme"/>).</summary>
    public DecryptionShareGuard(MultipartyParameters parameters, IShareLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(ledger);
        _p = parameters;
        _ledger = ledger;
        if (parameters.Scheme == MultipartyScheme.Ckks)
        {
            _ckks = new CkksDecryptionShareProtocol(parameters, parameters.Ckks!);
        }
        else
        {
            _bfv = new DecryptionShareProtocol(parameters);
        }
    }

    /// <summary>
    /// Returns this party's share bytes for <paramref name="ciphertext"/>, generating them only the first time.
    /// Pass <paramref name="expectedSummands"/> (the round's published number of accepted uploads) so that an
    /// aggregator cannot shrink the flooding by understating the ciphertext's summand count.
    /// </summary>
    /// <exception cref="ArgumentException">The ciphertext's summand count differs from <paramref name="expectedSummands"/>,
    /// or the guard serves CKKS.</exception>
    /// <exception cref="ShareAlreadyIssuedException">A share for this c1 was already issued to another decryption set.</exception>
    public byte[] GetOrCreateShare(DecryptionSecret secret, CompactCiphertext ciphertext, int? expectedSummands = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(ciphertext);
        DecryptionShareProtocol protocol = _bfv ?? throw new ArgumentException("This guard serves CKKS parameters; pass a CkksCiphertext.", nameof(ciphertext));
        CheckSummands(ciphertext.SummandCount, expectedSummands);
        return GetOrCreate(secret, ciphertext.ShareDigest(), protocol.AllocateShare, share => protocol.GenerateShare(secret, ciphertext, share));
    }

    /// <summary>The CKKS form of <see cref="GetOrCreateShare(DecryptionSecret, CompactCiphertext, int?)"/> (same
    /// ledger semantics; the digest is <see cref="CkksDecryptionShareProtocol.ShareDigest"/>).</summary>
    /// <exception cref="ArgumentException">The ciphertext's summand count differs from <paramref name="expectedSummands"/>,
    /// or the guard serves BFV.</exception>
    /// <exception cref="ShareAlreadyIssuedException">A share for this c1 was already issued to another decryption set.</exception>
    public byte[] GetOrCreateShare(DecryptionSecret secret, Ckks.CkksCiphertext ciphertext, int? expectedSummands = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(ciphertext);
        CkksDecryptionShareProtocol protocol = _ckks ?? throw new ArgumentException("This guard serves BFV parameters; pass a CompactCiphertext.", nameof(ciphertext));
        CheckSummands(ciphertext.SummandCount, expectedSummands);
        return GetOrCreate(secret, protocol.ShareDigest(ciphertext), protocol.AllocateShare, share => protocol.GenerateShare(secret, ciphertext, share));
    }

    private static void CheckSummands(int claimed, int? expectedSummands)
    {
        if (expectedSummands is int expected && expected != claimed)
        {
            throw new ArgumentException(
                $"The ciphertext claims {claimed} summands but the round accepted {expected}; its flooding would be mis-sized, so no share is produced.",
                "ciphertext");
        }
    }

    private byte[] GetOrCreate(DecryptionSecret secret, byte[] digest, Func<DecryptionShare> allocate, Action<DecryptionShare> generate)
    {
        lock (_gate)
        {
            if (_ledger.TryGet(digest, out byte[]? existing))
            {
                DecryptionShare previous = DecryptionShare.Deserialize(_p, existing);
                if (!previous.ActiveSetIds.SequenceEqual(secret.ActiveSetIds) || !previous.ContributorIds.SequenceEqual([secret.PartyId]))
                {
                    throw new ShareAlreadyIssuedException(
                        $"Party {secret.PartyId} already released its share for this ciphertext to the decryption set {{{string.Join(", ", previous.ActiveSetIds)}}}; " +
                        "the set is fixed once per ciphertext, so this request cannot be served. Abort the round and decrypt fresh ciphertexts.");
                }

                return existing;
            }

            DecryptionShare share = allocate();
            generate(share);
            byte[] bytes = share.Serialize();
            _ledger.Record(digest, bytes);
            return bytes;
        }
    }
}
