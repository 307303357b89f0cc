using SecAgg.Aggregator.Accumulation;
using SecAgg.Crypto.Multiparty;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// The real <see cref="IChunkAdder"/>: chunks are serialized <see cref="CompactCiphertext"/>s under the
/// epoch's parameters; validation parses them (length, header, parameter digest, every coefficient
/// reduced, one summand), addition is the limb-wise modular sum (c0 += c0', c1 += c1') re-serialized in place.
/// The aggregator never holds a key: it only adds ciphertexts.
/// </summary>
internal sealed class CompactCiphertextAdder(MultipartyParameters parameters) : IChunkAdder
{
    public bool TryValidate(int chunkIndex, ReadOnlySpan<byte> payload, out string? problem)
    {
        if (payload.Length != parameters.CiphertextBytes)
        {
            problem = $"chunk {chunkIndex} has {payload.Length} bytes; a ciphertext under the round's parameters has {parameters.CiphertextBytes}";
            return false;
        }

        try
        {
            CompactCiphertext ct = CompactCiphertext.Deserialize(parameters, payload);
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

    public void Add(int chunkIndex, Span<byte> sum, ReadOnlySpan<byte> addend)
    {
        CompactCiphertext s = CompactCiphertext.Deserialize(parameters, sum);
        s.AddInplace(CompactCiphertext.Deserialize(parameters, addend));
        byte[] bytes = s.Serialize();
        if (bytes.Length != sum.Length)
        {
            throw new InvalidOperationException($"the sum of chunk {chunkIndex} changed size ({sum.Length} -> {bytes.Length} bytes)");
        }

        bytes.CopyTo(sum);
    }
}
