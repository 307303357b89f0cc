using System.Numerics;
using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Serialization;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol.Internal;

/// <summary>
/// Multiparty CKKS over the collective key (<see cref="MultipartyParameters.ForCkks"/>). A chunk carries n values of
/// the DDG pipeline, two per slot (real and imaginary part), each as the centered lift of its b-bit value
/// (v ≥ 2^(b−1) ↦ v − 2^b) at scale Δ = 2^logΔ: the integers are on the grid of step 1, so the decrypted sum is read
/// back exactly by rounding each slot, provided the tracked error bound (encoding + encryption noise + flooding +
/// decoding round-off, <see cref="CkksPlaintext.SlotErrorBound"/>) is below 1/2. Otherwise <see cref="AggregateChunk.Combine"/>
/// throws and the round fails: the sum is never published with an unverified rounding. The rounded integers are
/// wrapped back mod 2^b, so the DDG decoder sees exactly what BFV would give.
/// </summary>
internal sealed class CkksCiphertextScheme : CiphertextScheme
{
    private readonly MultipartyParameters _mp;
    private readonly CkksParameters _ckks;
    private readonly int _bits;
    private readonly CkksDecryptionShareProtocol _protocol;
    private readonly CkksEvaluator _evaluator;
    private readonly int _ciphertextBytes;
    private readonly Lock _ledgerGate = new();
    private (IShareLedger Ledger, DecryptionShareGuard Guard)? _guard;

    /// <param name="parameters">Multiparty parameters made by <see cref="MultipartyParameters.ForCkks"/>.</param>
    /// <param name="valueBits">b of the round (1..32), or 0 for the key epoch's view (no chunk encryption or decoding).</param>
    public CkksCiphertextScheme(MultipartyParameters parameters, int valueBits)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Scheme != MultipartyScheme.Ckks || parameters.Ckks is null)
        {
            throw new ArgumentException("The multiparty parameters serve BFV; CKKS needs MultipartyParameters.ForCkks.", nameof(parameters));
        }

        if (valueBits is < 0 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(valueBits), $"b = {valueBits} must be in [1, 32] (0 for the key epoch's view).");
        }

        _mp = parameters;
        _ckks = parameters.Ckks;
        _bits = valueBits;
        _protocol = new CkksDecryptionShareProtocol(_mp, _ckks);
        _evaluator = new CkksEvaluator(_ckks);
        _ciphertextBytes = CkksSerializer.HeaderSize + PolyCodec.GetSize(_ckks.Ring, _ckks.MaxLimbCount, 2);
    }

    public override HeScheme Kind => HeScheme.Ckks;

    public override MultipartyParameters KeyParameters => _mp;

    public override ReadOnlyMemory<byte> Digest => _mp.Digest;

    public override int ValueBits => _bits;

    /// <summary>n: two values per slot.</summary>
    public override int ValuesPerCiphertext => _ckks.N;

    public override int CiphertextBytes => _ciphertextBytes;

    /// <summary>The CKKS parameters.</summary>
    public CkksParameters CkksParameters => _ckks;

    /// <summary>A copy for a round with value bits <paramref name="valueBits"/>.</summary>
    public CkksCiphertextScheme WithValueBits(int valueBits) => valueBits == _bits ? this : new CkksCiphertextScheme(_mp, valueBits);

    public override V1.HeParameters ToContract(string parameterSetId)
    {
        ArgumentNullException.ThrowIfNull(parameterSetId);
        var he = new V1.HeParameters
        {
            ParameterSetId = parameterSetId,
            ParameterDigest = Google.Protobuf.ByteString.CopyFrom(_mp.Digest.Span),
            LogN = (uint)_ckks.LogN,
            WireLimbCount = (uint)_mp.WireLimbCount,
            PlaintextModulus = 0,
            ValuesPerCoefficient = 0,
            CarryBits = 0,
            Scheme = V1.HeScheme.Ckks,
            CkksLogScale = (uint)_ckks.LogDefaultScale,
        };
        he.CiphertextModuli.AddRange(_ckks.Primes);
        return he;
    }

    /// <summary>Rebuilds and checks the CKKS parameters a message describes (primes regenerated from their sizes, digest compared).</summary>
    public static CkksCiphertextScheme FromContract(V1.HeParameters he, int parties, int threshold, int valueBits, bool allowInsecureForTests)
    {
        ArgumentNullException.ThrowIfNull(he);
        bool insecure = he.ParameterSetId.StartsWith(ContractMapping.InsecureForTestsPrefix, StringComparison.Ordinal);
        if (insecure && !allowInsecureForTests)
        {
            throw new ParameterMismatchException(
                $"The HE parameter set '{he.ParameterSetId}' is insecure (for tests only) and this side does not allow it; configure a real preset.");
        }

        if (he.PlaintextModulus != 0 || he.ValuesPerCoefficient != 0 || he.CarryBits != 0)
        {
            throw new ParameterMismatchException("CKKS HeParameters must leave plaintext_modulus, values_per_coefficient and carry_bits at 0 (they are BFV's).");
        }

        if (he.LogN is < 4 or > 15 || he.CiphertextModuli.Count == 0 || he.CkksLogScale == 0)
        {
            throw new ArgumentException($"CKKS HeParameters need log_n in [4, 15], ciphertext moduli and ckks_log_scale > 0 (got {he.LogN}, {he.CiphertextModuli.Count} moduli, {he.CkksLogScale}).", nameof(he));
        }

        if (he.ParameterDigest.Length != 32)
        {
            throw new ArgumentException($"HeParameters.parameter_digest has {he.ParameterDigest.Length} bytes; expected 32 (SHA-256).", nameof(he));
        }

        MultipartyParameters mp;
        try
        {
            CkksParameters ckks = CkksParameters.Create(new CkksParametersLiteral
            {
                LogN = (int)he.LogN,
                LogQ = [.. he.CiphertextModuli.Select(p => 64 - BitOperations.LeadingZeroCount(p))],
                LogDefaultScale = checked((int)he.CkksLogScale),
                AllowInsecureForTests = insecure,
            });
            if (!ckks.Primes.SequenceEqual(he.CiphertextModuli))
            {
                throw new ParameterMismatchException("HeParameters.ciphertext_moduli are not the primes the CKKS parameter generator gives for their sizes; the peers disagree on the parameter set.");
            }

            mp = MultipartyParameters.ForCkks(ckks, parties, threshold, checked((int)he.WireLimbCount));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"HeParameters do not form a valid CKKS parameter set: {e.Message}", nameof(he), e);
        }
        catch (OverflowException e)
        {
            throw new ArgumentException("HeParameters has a count beyond 2^31.", nameof(he), e);
        }

        if (!mp.Digest.Span.SequenceEqual(he.ParameterDigest.Span))
        {
            throw new ParameterMismatchException(
                $"HeParameters.parameter_digest differs from the digest of the CKKS parameters it describes: the peers disagree on N = {parties}, t = {threshold} or the parameter set.");
        }

        return new CkksCiphertextScheme(mp, valueBits);
    }

    /// <summary>
    /// Values are b-bit centered integers, two per slot: |z| ≤ √2·2^(b−1) per slot, ‖m‖∞ ≤ Δ·max|z| per upload. The sum of
    /// K uploads with T members' flooding must stay below q_ℓ/2, and the predicted slot error
    /// (<see cref="CkksParameters.PredictThresholdSlotErrorBound"/>) below 1/2.
    /// </summary>
    public override string? CheckCapacity(int summands, int decryptors)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(summands);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(decryptors);
        RequireBits();
        double maxAbs = Math.Sqrt(2) * Math.ScaleB(1.0, _bits - 1);
        double messageBits = Math.Log2(summands * maxAbs) + _ckks.LogDefaultScale;
        double room = _mp.WireModulusBits - 1;
        if (!(messageBits < room - 1))
        {
            return $"a sum of {summands} uploads of {_bits}-bit values at scale 2^{_ckks.LogDefaultScale} needs 2^{messageBits:F1}, above the 2^{room - 1:F1} the {_mp.WireLimbCount}-limb modulus leaves (q/2 with a bit of margin for noise)";
        }

        double error = _ckks.PredictThresholdSlotErrorBound(_mp.Parties, summands, decryptors, _mp.FloodingLambda, maxAbs);
        return error < 0.5
            ? null
            : $"the predicted slot error of a sum of {summands} uploads decrypted by {decryptors} members is 2^{Math.Log2(error):F1}, not below 1/2 of the integer grid";
    }

    // ------------------------------------------------------------------ participant

    public override IChunkEncryptor CreateChunkEncryptor(CollectivePublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (!publicKey.Parameters.Digest.Span.SequenceEqual(_mp.Digest.Span))
        {
            throw new ParameterMismatchException("The collective public key was made under different HE parameters than the round's.");
        }

        RequireBits();
        return new Encryptor(this, CkksPublicKey.FromCollective(_ckks, publicKey));
    }

    public override byte[] RequestDigest(ReadOnlySpan<byte> request) => _protocol.ShareDigest(ParseRequest(request));

    public override byte[] AnswerDecryption(IShareLedger ledger, DecryptionSecret secret, ReadOnlySpan<byte> aggregate, int expectedSummands)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(secret);
        CkksCiphertext ct = Read(aggregate, "aggregate");
        if (ct.Scale != _ckks.DefaultScale || ct.LimbCount != _ckks.MaxLimbCount)
        {
            throw new ArgumentException("The ciphertext is not at the round's scale and level.", nameof(aggregate));
        }

        // The guard checks the summand count and floods from max(claimed bound, K fresh encryptions): an aggregator
        // cannot shrink the flooding by understating either.
        return GuardFor(ledger).GetOrCreateShare(secret, ct, expectedSummands);
    }

    private DecryptionShareGuard GuardFor(IShareLedger ledger)
    {
        lock (_ledgerGate)
        {
            if (_guard is not { } g || !ReferenceEquals(g.Ledger, ledger))
            {
                g = (ledger, new DecryptionShareGuard(_mp, ledger));
                _guard = g;
            }

            return g.Guard;
        }
    }

    // ------------------------------------------------------------------ aggregator

    public override bool TryValidateUpload(int chunkIndex, ReadOnlySpan<byte> payload, out string? problem)
    {
        if (payload.Length != _ciphertextBytes)
        {
            problem = $"chunk {chunkIndex} has {payload.Length} bytes; a CKKS ciphertext under the round's parameters has {_ciphertextBytes}";
            return false;
        }

        CkksCiphertext ct;
        try
        {
            ct = CkksSerializer.ReadCiphertext(_ckks, payload);
        }
        catch (FormatException e)
        {
            problem = $"chunk {chunkIndex} is not a valid CKKS ciphertext: {e.Message}";
            return false;
        }

        if (ct.SummandCount != 1)
        {
            problem = $"chunk {chunkIndex} claims {ct.SummandCount} summands; an upload is one fresh encryption";
            return false;
        }

        if (ct.Scale != _ckks.DefaultScale || ct.LimbCount != _ckks.MaxLimbCount)
        {
            problem = $"chunk {chunkIndex} is at scale 2^{Math.Log2(ct.Scale):F1} with {ct.LimbCount} limbs; the round's ciphertexts are at 2^{_ckks.LogDefaultScale} with {_ckks.MaxLimbCount}";
            return false;
        }

        problem = null;
        return true;
    }

    public override void Add(int chunkIndex, Span<byte> sum, ReadOnlySpan<byte> addend)
    {
        CkksCiphertext s = Read(sum, "sum");
        _evaluator.AddInplace(s, Read(addend, "addend"));
        if (CkksSerializer.Write(s, sum) != sum.Length)
        {
            throw new InvalidOperationException($"the sum of chunk {chunkIndex} changed size");
        }
    }

    public override AggregateChunk OpenAggregate(ReadOnlySpan<byte> sum) => new Aggregate(this, Read(sum, "aggregate"));

    // ------------------------------------------------------------------ helpers

    private CkksCiphertext Read(ReadOnlySpan<byte> bytes, string what)
    {
        try
        {
            return CkksSerializer.ReadCiphertext(_ckks, bytes);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"The {what} is not a valid CKKS ciphertext: {e.Message}", e);
        }
    }

    /// <summary>The c1-only request form: the same ciphertext with c0 = 0 (bounds and summand count kept).</summary>
    private static byte[] RequestBytes(CkksCiphertext ct)
    {
        CkksCiphertext copy = ct.CopyAt(ct.LimbCount);
        copy.C0.Clear();
        return CkksSerializer.Serialize(copy);
    }

    private CkksCiphertext ParseRequest(ReadOnlySpan<byte> request)
    {
        CkksCiphertext ct = Read(request, "decryption request");
        if (!RequestBytes(ct).AsSpan().SequenceEqual(request))
        {
            throw new InvalidDataException("A decryption request must carry c1 only (its c0 part must be zero).");
        }

        return ct;
    }

    private void RequireBits()
    {
        if (_bits == 0)
        {
            throw new InvalidOperationException("This is the key epoch's view of the CKKS scheme; chunks are encrypted and decoded with a round's parameters (RoundParameters.Scheme).");
        }
    }

    /// <summary>v ∈ [0, 2^b) ↦ its centered representative in [−2^(b−1), 2^(b−1)).</summary>
    private double Lift(uint v)
    {
        if (_bits < 32 && v >> _bits != 0)
        {
            throw new ArgumentException($"The value {v} is not below 2^{_bits}.", "values");
        }

        long x = v;
        return x >= 1L << (_bits - 1) ? x - (1L << _bits) : x;
    }

    private uint Wrap(double x)
    {
        long r = (long)Math.Round(x, MidpointRounding.ToEven);
        return (uint)((ulong)r & ((1UL << _bits) - 1));
    }

    private sealed class Encryptor(CkksCiphertextScheme scheme, CkksPublicKey key) : IChunkEncryptor
    {
        private readonly CkksEncoder _encoder = new(scheme._ckks);
        private readonly CkksEncryptor _encryptor = new(scheme._ckks, key);
        private readonly Complex[] _slots = new Complex[scheme._ckks.Slots];

        public byte[] Encrypt(ReadOnlySpan<uint> values)
        {
            if (values.Length > scheme.ValuesPerCiphertext)
            {
                throw new ArgumentException($"At most {scheme.ValuesPerCiphertext} values fit in one CKKS ciphertext; got {values.Length}.", nameof(values));
            }

            try
            {
                for (int j = 0; j < _slots.Length; j++)
                {
                    double re = 2 * j < values.Length ? scheme.Lift(values[2 * j]) : 0;
                    double im = (2 * j) + 1 < values.Length ? scheme.Lift(values[(2 * j) + 1]) : 0;
                    _slots[j] = new Complex(re, im);
                }

                CkksPlaintext plain = _encoder.Encode(_slots);
                try
                {
                    return CkksSerializer.Serialize(_encryptor.Encrypt(plain));
                }
                finally
                {
                    plain.Poly.Clear();
                }
            }
            finally
            {
                Array.Clear(_slots);
            }
        }

        public void Dispose() => _encryptor.Dispose();
    }

    private sealed class Aggregate(CkksCiphertextScheme scheme, CkksCiphertext ct) : AggregateChunk
    {
        private readonly byte[] _digest = scheme._protocol.ShareDigest(ct);

        public override int Summands => ct.SummandCount;

        public override byte[] Digest => _digest;

        public override double FloodingSigma => scheme._protocol.FloodingSigma(ct);

        public override byte[] EncodeRequest() => RequestBytes(ct);

        public override bool TryCheckShare(ReadOnlySpan<byte> share, int party, IReadOnlyList<int> activeSet, out string? problem) =>
            DecryptionShareCheck.TryCheck(scheme._mp, _digest, share, party, activeSet, out problem);

        public override uint[] Combine(IEnumerable<ReadOnlyMemory<byte>> shares)
        {
            ArgumentNullException.ThrowIfNull(shares);
            scheme.RequireBits();
            DecryptionShare sum = scheme._protocol.AllocateShare();
            foreach (ReadOnlyMemory<byte> bytes in shares)
            {
                scheme._protocol.AggregateShares(sum, DecryptionShare.Deserialize(scheme._mp, bytes.Span), sum);
            }

            CkksPlaintext plain = scheme._protocol.Finalize(ct, sum);
            if (!plain.RoundsExactlyToGrid(1.0))
            {
                throw new InvalidOperationException(
                    $"The CKKS error bound of the decrypted sum (2^{Math.Log2(plain.SlotErrorBound):F1}, {ct.SummandCount} summands, flooding included) is not below 1/2 of the integer grid, "
                    + "so rounding could publish a wrong sum; the round fails. Use a larger CKKS scale, fewer bits or fewer participants.");
            }

            Complex[] slots = new CkksEncoder(scheme._ckks).DecodeComplex(plain);
            plain.Poly.Clear();
            var values = new uint[scheme.ValuesPerCiphertext];
            for (int j = 0; j < slots.Length; j++)
            {
                values[2 * j] = scheme.Wrap(slots[j].Real);
                values[(2 * j) + 1] = scheme.Wrap(slots[j].Imaginary);
            }

            return values;
        }
    }
}
