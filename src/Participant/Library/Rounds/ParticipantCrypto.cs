using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Participant.State;
using SecAgg.Protocol;

namespace SecAgg.Participant.Rounds;

/// <summary>An encrypted update ready for the wire: one serialized ciphertext per chunk.</summary>
/// <param name="Chunks">The chunks, in index order.</param>
public sealed record EncryptedUpdate(IReadOnlyList<byte[]> Chunks)
{
    /// <summary>Bytes of all chunks.</summary>
    public long TotalBytes => Chunks.Sum(c => (long)c.Length);
}

/// <summary>
/// The local (network-free) half of a participant: key-epoch secrets, update quantization and encryption, and
/// decryption shares through the one-share-per-ciphertext guard. Secrets live only in the
/// <see cref="ParticipantState"/> directory and in memory for the duration of one call, then are zeroed.
/// </summary>
/// <remarks>Thread-safe for concurrent calls of different kinds; the ledger serializes share generation.</remarks>
public sealed class ParticipantCrypto
{
    private const string DealingSeedFile = "threshold-dealing-seed.bin";
    private readonly MultipartyParameters _parameters;
    private readonly ParticipantState _state;

    /// <summary>Creates the participant's crypto for a BFV key epoch.</summary>
    /// <param name="parameters">The epoch's checked multiparty BFV parameters.</param>
    /// <param name="partyId">This participant's Shamir point / party index (1..N).</param>
    /// <param name="state">The participant's state directory.</param>
    public ParticipantCrypto(MultipartyParameters parameters, int partyId, ParticipantState state)
        : this(CiphertextScheme.Bfv(parameters ?? throw new ArgumentNullException(nameof(parameters))), partyId, state)
    {
    }

    /// <summary>Creates the participant's crypto for a key epoch of any scheme.</summary>
    /// <param name="scheme">The epoch's checked scheme (its key parameters run the key epoch).</param>
    /// <param name="partyId">This participant's Shamir point / party index (1..N).</param>
    /// <param name="state">The participant's state directory.</param>
    public ParticipantCrypto(CiphertextScheme scheme, int partyId, ParticipantState state)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(state);
        MultipartyParameters parameters = scheme.KeyParameters;
        if (partyId < 1 || partyId > parameters.Parties)
        {
            throw new ArgumentOutOfRangeException(nameof(partyId), $"Party id {partyId} must be in 1..{parameters.Parties} (the consortium's participant count).");
        }

        Scheme = scheme;
        _parameters = parameters;
        PartyId = partyId;
        _state = state;
    }

    /// <summary>This participant's party index.</summary>
    public int PartyId { get; }

    /// <summary>The epoch's key parameters.</summary>
    public MultipartyParameters Parameters => _parameters;

    /// <summary>The epoch's ciphertext scheme.</summary>
    public CiphertextScheme Scheme { get; }

    /// <summary>
    /// Generates the secret-key share s_i (stored, mode 0600) and returns the serialized public-key share
    /// p_i = −a·s_i + e_i for the CRS seed. When a secret is already stored (restart before the upload), the share is
    /// recomputed from it; the caller uploads exactly one of them.
    /// </summary>
    public byte[] CreatePublicKeyShare(ReadOnlySpan<byte> crsSeed)
    {
        var crp = CommonReferencePolynomial.Expand(_parameters, crsSeed);
        using PartySecret secret = _state.HasSecret ? _state.LoadSecret(_parameters) : PartySecret.Generate(_parameters, PartyId);
        if (!_state.HasSecret)
        {
            _state.SaveSecret(secret);
        }

        var protocol = new PublicKeyGenProtocol(_parameters);
        PublicKeyShare share = protocol.AllocateShare();
        protocol.GenerateShare(secret, crp, share);
        return share.Serialize();
    }

    /// <summary>
    /// Shamir-shares the stored secret: one serialized share per party 1..N (index j−1 goes to party j, pairwise encrypted).
    /// Deterministic per state directory: the dealing polynomial's random coefficients come from a 32-byte seed drawn
    /// from the OS CSPRNG on the first call and stored next to the secret (mode 0600), so a restart re-deals exactly
    /// the same shares (the aggregator relays each blob once) without keeping N multi-megabyte shares on disk.
    /// </summary>
    public IReadOnlyList<byte[]> DealThresholdShares()
    {
        byte[] seed = _state.ReadFile(DealingSeedFile) ?? CreateDealingSeed();
        using PartySecret secret = _state.LoadSecret(_parameters);
        ShamirShare[] dealt;
        using (Prng prng = Prng.FromSeed(seed, "secagg/v1/threshold-dealing"))
        {
            dealt = new Thresholdizer(_parameters).GenerateShares(secret, prng);
        }

        CryptographicOperations.ZeroMemory(seed);
        try
        {
            return [.. dealt.Select(s => s.Serialize())];
        }
        finally
        {
            foreach (ShamirShare s in dealt)
            {
                s.Dispose();
            }
        }
    }

    private byte[] CreateDealingSeed()
    {
        byte[] seed = RandomNumberGenerator.GetBytes(Prng.SeedLength);
        _state.WriteFile(DealingSeedFile, (byte[])seed.Clone(), secret: true); // the secret write zeroes what it is given
        return seed;
    }

    /// <summary>Combines the Shamir shares received from every dealer (own included) into the threshold share and stores it (0600).</summary>
    public void AcceptThresholdShares(IReadOnlyList<byte[]> received)
    {
        ArgumentNullException.ThrowIfNull(received);
        var shares = received.Select(b => ShamirShare.Deserialize(_parameters, b)).ToList();
        try
        {
            using ThresholdSecretShare combined = new Thresholdizer(_parameters).AggregateShares(PartyId, shares);
            _state.SaveThresholdShare(combined);
        }
        finally
        {
            foreach (ShamirShare s in shares)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>
    /// Quantizes (clip, weight, rotate, scale, randomized rounding, discrete Gaussian noise, wrap mod 2^b) and encrypts
    /// an update under the collective key with <see cref="UpdateEncryptor"/>; the chunks are encrypted in parallel on all cores.
    /// </summary>
    /// <param name="round">The round's checked parameters (layout, DDG, HE, rotation seed, max weight).</param>
    /// <param name="publicKey">The epoch's collective public key.</param>
    /// <param name="update">The flattened update Δ (length = the layout's total).</param>
    /// <param name="weight">Public weight 1..max_weight (e.g. local rows).</param>
    /// <exception cref="ParameterMismatchException">The key and the round disagree on the HE parameters.</exception>
    public EncryptedUpdate EncryptUpdate(RoundParameters round, CollectivePublicKey publicKey, ReadOnlySpan<float> update, ulong weight = 1)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(publicKey);
        if (round.Scheme.Kind != Scheme.Kind || !round.Scheme.Digest.Span.SequenceEqual(Scheme.Digest.Span))
        {
            throw new ParameterMismatchException("The round's HE parameters (or scheme) differ from this participant's key epoch.");
        }

        byte[][] chunks = new UpdateEncryptor(round, publicKey).Encrypt(update, weight);
        return new EncryptedUpdate(chunks);
    }

    /// <summary>
    /// Returns this participant's decryption share for one aggregate ciphertext, through the guard: the first request
    /// generates and durably records it; a repeated request (also after a restart) returns the same bytes; a request
    /// for the same ciphertext with another decryption set throws <see cref="ShareAlreadyIssuedException"/>.
    /// </summary>
    /// <param name="aggregate">The serialized aggregate ciphertext, or its c1-only request form (<see cref="DecryptionCodec.EncodeRequest"/>): only c1 matters.</param>
    /// <param name="decryptionSet">The fixed decryption set (party ids).</param>
    /// <param name="expectedSummands">The number of uploads the round accepted (sizes the flooding noise).</param>
    public byte[] AnswerDecryption(ReadOnlySpan<byte> aggregate, IReadOnlyList<int> decryptionSet, int expectedSummands)
    {
        ArgumentNullException.ThrowIfNull(decryptionSet);
        if (!decryptionSet.Contains(PartyId))
        {
            throw new ArgumentException($"Party {PartyId} is not in the decryption set {{{string.Join(", ", decryptionSet)}}}.", nameof(decryptionSet));
        }

        bool everyone = decryptionSet.Count == _parameters.Parties;
        using DecryptionSecret secret = everyone && !_state.HasThresholdShare ? AllParties() : Threshold(decryptionSet);
        return Scheme.AnswerDecryption(_state.Ledger, secret, aggregate, expectedSummands);
    }

    private DecryptionSecret AllParties()
    {
        using PartySecret s = _state.LoadSecret(_parameters);
        return DecryptionSecret.ForAllParties(s);
    }

    private DecryptionSecret Threshold(IReadOnlyList<int> set)
    {
        using ThresholdSecretShare share = _state.LoadThresholdShare(_parameters);
        return new Combiner(_parameters, set).GetDecryptionSecret(share);
    }
}
