namespace SecAgg.Cli.Demo;

/// <summary>
/// Binary logistic regression, p(y = 1 | x) = σ(w·x + b), trained by mini-batch gradient descent on the mean
/// cross-entropy plus (λ/2)‖w‖². The parameters are one flat vector [w_1 … w_d, b], which is what a federated round
/// averages.
/// </summary>
internal static class LogisticRegression
{
    public static int ParameterCount(int features) => features + 1;

    /// <summary>Runs <paramref name="epochs"/> passes over <paramref name="data"/> starting from <paramref name="parameters"/>, in place.</summary>
    public static void Train(float[] parameters, Dataset data, int epochs, float learningRate, float l2, int batchSize, Random random)
    {
        int d = data.FeatureCount;
        if (parameters.Length != d + 1)
        {
            throw new ArgumentException($"Expected {d + 1} parameters for {d} features, got {parameters.Length}.", nameof(parameters));
        }

        int[] order = [.. Enumerable.Range(0, data.Count)];
        var gradient = new double[d + 1];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += batchSize)
            {
                int end = Math.Min(start + batchSize, order.Length);
                Array.Clear(gradient);
                for (int k = start; k < end; k++)
                {
                    float[] x = data.Features[order[k]];
                    double error = Probability(parameters, x) - data.Labels[order[k]];
                    for (int j = 0; j < d; j++)
                    {
                        gradient[j] += error * x[j];
                    }

                    gradient[d] += error;
                }

                double inverse = 1.0 / (end - start);
                for (int j = 0; j < d; j++)
                {
                    parameters[j] -= (float)(learningRate * ((gradient[j] * inverse) + (l2 * parameters[j])));
                }

                parameters[d] -= (float)(learningRate * gradient[d] * inverse);
            }
        }
    }

    public static double Probability(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x)
    {
        double z = parameters[^1];
        for (int j = 0; j < x.Length; j++)
        {
            z += parameters[j] * x[j];
        }

        return 1 / (1 + Math.Exp(-z));
    }

    /// <summary>The fraction of rows whose predicted class (p ≥ ½) equals the label.</summary>
    public static double Accuracy(ReadOnlySpan<float> parameters, Dataset data)
    {
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            int predicted = Probability(parameters, data.Features[i]) >= 0.5 ? 1 : 0;
            correct += predicted == data.Labels[i] ? 1 : 0;
        }

        return data.Count == 0 ? 0 : (double)correct / data.Count;
    }
}
