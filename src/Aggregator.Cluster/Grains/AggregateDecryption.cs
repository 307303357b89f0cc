using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// Decrypts a round whose every member of D answered: for each chunk k, the shares h_{j,k} (j ∈ D) read from the shared
/// store are added to a <see cref="ShareCombiner"/> (each checked again against the session) and
/// Σ_{i∈U} M_{i,k} mod 2^b = Finish(c_k), with c_k the aggregate sum of chunk k; then <see cref="AggregateDecoder"/> turns
/// the chunk values into the mean update (DDG decode: centered lift, ·γ, inverse rotation; ÷ |U|, or ÷ Σw/max_weight for
/// weighted rounds), as the single-process round driver does. No noise is added here: the mean carries the participants'
/// distributed discrete Gaussian noise.
/// </summary>
internal static class AggregateDecryption
{
    /// <summary>The round's mean update.</summary>
    /// <exception cref="InvalidDataException">A share is missing, malformed, or not for this session, chunk or member.</exception>
    /// <exception cref="InvalidOperationException">A sum does not hold exactly |U| summands, or (CKKS) cannot be rounded exactly.</exception>
    public static async Task<float[]> MeanAsync(
        ClusterConsortium consortium, IStoredShares shares, RoundParameters parameters, RoundState round, byte[][] sums, ulong totalWeight)
    {
        string[] decryptors = consortium.InPointOrder(round.DecryptionSet);
        SetDecryptionSession session = parameters.CreateSession(consortium.InPointOrder(round.Contributors), decryptors);
        using var decoder = new AggregateDecoder(parameters); // each chunk decrypts into its slice; the scratch is kept for the next round
        for (int k = 0; k < round.ChunkCount; k++)
        {
            ShareCombiner combiner = consortium.Scheme.StartCombine(session, k);
            foreach (byte[] share in await shares.ReadAsync(round.Number, k, decryptors).ConfigureAwait(true))
            {
                combiner.Add(share);
            }

            combiner.Finish(sums[k], decoder.ChunkValues(k));
        }

        return parameters.MaxWeight == 1 ? decoder.DecodeMean(round.Summands) : decoder.DecodeWeightedMean(totalWeight);
    }
}
