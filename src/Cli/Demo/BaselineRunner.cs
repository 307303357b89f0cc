namespace SecAgg.Cli.Demo;

/// <summary>Accuracy of the two plaintext references after each round.</summary>
/// <param name="Round">The round, from 1.</param>
/// <param name="FedAvg">Test accuracy of plaintext FedAvg over every hospital.</param>
/// <param name="Alone">Test accuracy of each hospital trained on its own data for the same number of epochs.</param>
internal sealed record BaselineRound(int Round, double FedAvg, IReadOnlyList<double> Alone);

/// <summary>
/// The demo's data and plaintext references: WDBC, standardized, split 80/20 into train/test, the training rows split
/// non-IID across the hospitals; then plaintext FedAvg and train-alone accuracies per round.
/// </summary>
internal sealed class BaselineRunner
{
    public BaselineRunner(DemoOptions options)
    {
        Options = options;
        var (train, test) = Partition.TrainTest(Dataset.LoadWdbc(), 0.2, options.Seed);
        Standardizer scaler = Standardizer.Fit(train);
        Test = scaler.Apply(test);
        Hospitals = Partition.Dirichlet(scaler.Apply(train), options.Hospitals, options.Alpha, options.Seed);
    }

    public DemoOptions Options { get; }

    public LocalTrainingSettings Training { get; } = new();

    public Dataset[] Hospitals { get; }

    public Dataset Test { get; }

    public IEnumerable<BaselineRound> Run()
    {
        float[] global = new float[LogisticRegression.ParameterCount(Test.FeatureCount)];
        float[][] alone = [.. Hospitals.Select(_ => new float[global.Length])];
        var random = Hospitals.Select((_, i) => new Random(StableSeed.Combine(Options.Seed, i))).ToArray();
        for (int round = 1; round <= Options.Rounds; round++)
        {
            FedAvg.Round(global, Hospitals, Training, round);
            for (int h = 0; h < Hospitals.Length; h++)
            {
                LogisticRegression.Train(alone[h], Hospitals[h], Training.LocalEpochs, Training.LearningRate, Training.L2, Training.BatchSize, random[h]);
            }

            yield return new BaselineRound(round, LogisticRegression.Accuracy(global, Test), [.. alone.Select(a => LogisticRegression.Accuracy(a, Test))]);
        }
    }
}
