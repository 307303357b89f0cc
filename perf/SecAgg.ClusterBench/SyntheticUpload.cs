using System.Buffers.Binary;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Serialization;

namespace SecAgg.ClusterBench;

/// <summary>
/// Upload chunks of the right shape without encrypting: each chunk is a valid protocol-v2 masked upload (header, summand
/// count 1, c0 in the wire's bit-packed form) whose residues are uniform in [0, q_j) for each prime q_j, from a seeded
/// generator. A real c0 = −a·s + e + Encode(M) is also uniform-looking mod q, and the fold (sum_k += c0_k mod q_j) does
/// not depend on the values, so ingest and fold cost what they cost for real uploads. Not secret; not decryptable.
/// </summary>
internal sealed class SyntheticUpload
{
    private readonly AggregationParameters _parameters;
    private readonly RingQ _ring;
    private readonly byte[] _header;

    public SyntheticUpload(AggregationParameters parameters)
    {
        _parameters = parameters;
        _ring = new RingQ(parameters.RingDegree, parameters.Primes);
        _header = MaskedUpload.CreateEmptySum(parameters).Serialize()[..MaskedUpload.HeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(MaskedUpload.HeaderBytes - 4), 1);
    }

    /// <summary>C chunks for one upload, residues from <paramref name="seed"/>.</summary>
    public byte[][] Chunks(int count, int seed)
    {
        // Benchmark data, not a secret: a seeded generator makes runs repeatable.
        var random = new Random(seed);
        var poly = new Poly(_parameters.RingDegree, _parameters.Primes.Count);
        var chunks = new byte[count][];
        for (int k = 0; k < count; k++)
        {
            for (int l = 0; l < _parameters.Primes.Count; l++)
            {
                long prime = (long)_parameters.Primes[l];
                Span<ulong> limb = poly.Limb(l);
                for (int i = 0; i < limb.Length; i++)
                {
                    limb[i] = (ulong)random.NextInt64(prime);
                }
            }

            var chunk = new byte[_parameters.UploadBytes];
            _header.CopyTo(chunk, 0);
            PolyCodec.Write(_ring, [poly], chunk.AsSpan(MaskedUpload.HeaderBytes));
            chunks[k] = chunk;
        }

        return chunks;
    }
}
