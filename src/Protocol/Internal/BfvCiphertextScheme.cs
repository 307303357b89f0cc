using SecAgg.Crypto.Multiparty;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol.Internal;

/// <summary>
/// Multiparty BFV: chunks are <see cref="CompactCiphertext"/>s (coefficient packing, modulus-switched wire form),
/// shares come from <see cref="DecryptionShareProtocol"/> through <see cref="DecryptionShareGuard"/>, and the combined
/// decryption is exact mod 2^b.
/// </summary>
internal sealed class BfvCiphertextScheme : CiphertextScheme
{
    private readonly MultipartyParameters _p;
    private readonly Lock _gate = new();
    private (IShareLedger Ledger, DecryptionShareGuard Guard)? _guard;

    public BfvCiphertextScheme(MultipartyParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _p = parameters;
    }

    public override HeScheme Kind => HeScheme.Bfv;

    public override MultipartyParameters KeyParameters => _p;

    public override ReadOnlyMemory<byte> Digest => _p.Digest;

    public override int ValueBits => _p.ValueBits;

    public override int ValuesPerCiphertext => _p.ValuesPerCiphertext;

    public override int CiphertextBytes => _p.CiphertextBytes;

    public override V1.HeParameters ToContract(string parameterSetId) => ContractMapping.ToContract(_p, parameterSetId);

    public override IChunkEncryptor CreateChunkEncryptor(CollectivePublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (!publicKey.Parameters.Digest.Span.SequenceEqual(_p.Digest.Span))
        {
            throw new ParameterMismatchException("The collective public key was made under different HE parameters than the round's.");
        }

        return new Encryptor(new CollectiveEncryptor(publicKey));
    }

    public override byte[] RequestDigest(ReadOnlySpan<byte> request) => DecryptionCodec.CiphertextDigest(DecryptionCodec.DecodeRequest(_p, request));

    public override byte[] AnswerDecryption(IShareLedger ledger, DecryptionSecret secret, ReadOnlySpan<byte> aggregate, int expectedSummands)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(secret);
        CompactCiphertext ciphertext = CompactCiphertext.Deserialize(_p, aggregate);
        return GuardFor(ledger).GetOrCreateShare(secret, ciphertext, expectedSummands);
    }

    public override bool TryValidateUpload(int chunkIndex, ReadOnlySpan<byte> payload, out string? problem)
    {
        if (payload.Length != _p.CiphertextBytes)
        {
            problem = $"chunk {chunkIndex} has {payload.Length} bytes; a ciphertext under the round's parameters has {_p.CiphertextBytes}";
            return false;
        }

        try
        {
            CompactCiphertext ct = CompactCiphertext.Deserialize(_p, payload);
            if (ct.SummandCount != 1)
            {
                problem = $"chunk {chunkIndex} claims {ct.SummandCount} summands; an upload is one fresh encryption";
                return false;
            }
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            problem = $"chunk {chunkIndex} is not a valid ciphertext: {e.Message}";
            return false;
        }

        problem = null;
        return true;
    }

    public override void Add(int chunkIndex, Span<byte> sum, ReadOnlySpan<byte> addend)
    {
        CompactCiphertext s = CompactCiphertext.Deserialize(_p, sum);
        s.AddInplace(CompactCiphertext.Deserialize(_p, addend));
        byte[] bytes = s.Serialize();
        if (bytes.Length != sum.Length)
        {
            throw new InvalidOperationException($"the sum of chunk {chunkIndex} changed size ({sum.Length} -> {bytes.Length} bytes)");
        }

        bytes.CopyTo(sum);
    }

    public override AggregateChunk OpenAggregate(ReadOnlySpan<byte> sum) => new Aggregate(CompactCiphertext.Deserialize(_p, sum));

    private DecryptionShareGuard GuardFor(IShareLedger ledger)
    {
        lock (_gate)
        {
            if (_guard is not { } g || !ReferenceEquals(g.Ledger, ledger))
            {
                g = (ledger, new DecryptionShareGuard(_p, ledger));
                _guard = g;
            }

            return g.Guard;
        }
    }

    private sealed class Encryptor(CollectiveEncryptor inner) : IChunkEncryptor
    {
        public byte[] Encrypt(ReadOnlySpan<uint> values) => inner.Encrypt(values).Serialize();

        public void Dispose()
        {
        }
    }

    private sealed class Aggregate(CompactCiphertext ct) : AggregateChunk
    {
        private readonly byte[] _digest = DecryptionCodec.CiphertextDigest(ct);

        public override int Summands => ct.SummandCount;

        public override byte[] Digest => _digest;

        public override double FloodingSigma => new DecryptionShareProtocol(ct.Parameters).FloodingSigma(ct);

        public override byte[] EncodeRequest() => DecryptionCodec.EncodeRequest(ct);

        public override bool TryCheckShare(ReadOnlySpan<byte> share, int party, IReadOnlyList<int> activeSet, out string? problem) =>
            DecryptionShareCheck.TryCheck(ct.Parameters, _digest, share, party, activeSet, out problem);

        public override uint[] Combine(IEnumerable<ReadOnlyMemory<byte>> shares) => DecryptionCodec.Combine(ct, shares);
    }
}
