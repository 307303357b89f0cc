namespace SecAgg.Cli.Demo;

/// <summary>Hyper-parameters of the demo's local training, shared by every hospital.</summary>
/// <param name="LocalEpochs">Passes over the local data per round.</param>
/// <param name="LearningRate">Step size.</param>
/// <param name="L2">Weight decay λ.</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="Seed">Seed of the shuffling (simulation randomness, not secret).</param>
internal sealed record LocalTrainingSettings(int LocalEpochs = 2, float LearningRate = 0.1f, float L2 = 1e-3f, int BatchSize = 16, int Seed = 2026)
{
    /// <summary>
    /// One hospital's round: start from the global model, train locally, return the update Δ = w_local − w_global
    /// (the vector that is clipped, quantized, noised and encrypted).
    /// </summary>
    public float[] ComputeUpdate(Dataset local, ReadOnlySpan<float> global, int round, int hospital)
    {
        float[] parameters = global.ToArray();
        LogisticRegression.Train(parameters, local, LocalEpochs, LearningRate, L2, BatchSize, new Random(StableSeed.Combine(Seed, round, hospital)));
        for (int j = 0; j < parameters.Length; j++)
        {
            parameters[j] -= global[j];
        }

        return parameters;
    }

    /// <summary>A hospital training alone for <paramref name="rounds"/> × <see cref="LocalEpochs"/> epochs: the baseline a consortium must beat.</summary>
    public float[] TrainAlone(Dataset local, int rounds, int hospital)
    {
        float[] parameters = new float[LogisticRegression.ParameterCount(local.FeatureCount)];
        for (int round = 1; round <= rounds; round++)
        {
            LogisticRegression.Train(parameters, local, LocalEpochs, LearningRate, L2, BatchSize, new Random(StableSeed.Combine(Seed, round, hospital)));
        }

        return parameters;
    }
}

/// <summary>Plaintext federated averaging: the accuracy reference the secure, differentially private rounds are compared with.</summary>
internal static class FedAvg
{
    /// <summary>The weighted mean Σ w_i Δ_i / Σ w_i of the updates.</summary>
    public static float[] Average(IReadOnlyList<float[]> updates, IReadOnlyList<double> weights)
    {
        ArgumentOutOfRangeException.ThrowIfZero(updates.Count);
        if (weights.Count != updates.Count)
        {
            throw new ArgumentException($"{updates.Count} updates but {weights.Count} weights.", nameof(weights));
        }

        double total = weights.Sum();
        var mean = new double[updates[0].Length];
        for (int i = 0; i < updates.Count; i++)
        {
            for (int j = 0; j < mean.Length; j++)
            {
                mean[j] += weights[i] * updates[i][j];
            }
        }

        return [.. mean.Select(v => (float)(v / total))];
    }

    /// <summary>One plaintext FedAvg round over every hospital (weighted by row count), applied to <paramref name="global"/> in place.</summary>
    public static void Round(float[] global, IReadOnlyList<Dataset> hospitals, LocalTrainingSettings settings, int round)
    {
        var updates = hospitals.Select((h, i) => settings.ComputeUpdate(h, global, round, i)).ToArray();
        float[] mean = Average(updates, [.. hospitals.Select(h => (double)h.Count)]);
        for (int j = 0; j < global.Length; j++)
        {
            global[j] += mean[j];
        }
    }
}
