using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Benchmarks.Protocol;

/// <summary>Round 1 of a one-tensor model of <c>dimension</c> values under a preset, with a collective key of <c>parties</c> fresh parties.</summary>
internal static class BenchmarkRound
{
    public static UpdateEncryptor CreateEncryptor(ProtocolPreset preset, int parties, int dimension, int maxDegreeOfParallelism = -1)
    {
        var layout = new TensorLayout([new TensorSpec("w", [dimension])]);
        RoundParameters round = RoundParameters.Create(1, 0, 1, layout, preset.Scheme, preset.Name, preset.Ddg.Create(parties, dimension), preset.Ddg.ParameterSetId(false), new byte[32]);
        MultipartyParameters he = preset.He;
        CommonReferencePolynomial crp = CommonReferencePolynomial.Expand(he, CommonReferencePolynomial.NewSeed());
        var keygen = new PublicKeyGenProtocol(he);
        PublicKeyShare sum = keygen.AllocateShare();
        for (int i = 1; i <= parties; i++)
        {
            using PartySecret s = PartySecret.Generate(he, i);
            PublicKeyShare share = keygen.AllocateShare();
            keygen.GenerateShare(s, crp, share);
            keygen.AggregateShares(sum, share, sum);
        }

        return new UpdateEncryptor(round, keygen.Finalize(sum, crp)) { MaxDegreeOfParallelism = maxDegreeOfParallelism };
    }
}
