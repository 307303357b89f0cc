using SecAgg.Cli.Demo;

namespace SecAgg.Participant.Tests.Demo;

public sealed class DemoLearningTests
{
    private static readonly Dataset Wdbc = Dataset.LoadWdbc();

    [Fact]
    public void TheEmbeddedWdbcDataHasItsPublishedShape()
    {
        Assert.Equal(569, Wdbc.Count);
        Assert.Equal(30, Wdbc.FeatureCount);
        Assert.Equal(212, Wdbc.Labels.Count(l => l == 1)); // malignant
        Assert.Equal(17.99f, Wdbc.Features[0][0]);
        Assert.Equal(1, Wdbc.Labels[0]);
    }

    [Fact]
    public void TheTrainTestSplitIsStratifiedAndDisjoint()
    {
        var (train, test) = Partition.TrainTest(Wdbc, 0.2, seed: 1);
        Assert.Equal(Wdbc.Count, train.Count + test.Count);
        Assert.Equal(Math.Round(212 * 0.2), test.Labels.Count(l => l == 1));
        var trainRows = train.Features.Select(r => string.Join(",", r)).ToHashSet();
        Assert.DoesNotContain(test.Features, r => trainRows.Contains(string.Join(",", r)));
    }

    [Fact]
    public void TheDirichletSplitAssignsEveryRowOnceAndIsSkewed()
    {
        Dataset[] hospitals = Partition.Dirichlet(Wdbc, 5, alpha: 0.3, seed: 4);

        Assert.Equal(Wdbc.Count, hospitals.Sum(h => h.Count));
        Assert.All(hospitals, h => Assert.True(h.Count >= 10));
        double[] malignantShare = [.. hospitals.Select(h => h.Labels.Average())];
        Assert.True(malignantShare.Max() - malignantShare.Min() > 0.3, $"label shares {string.Join(", ", malignantShare)} are not skewed");
        Assert.Equal(hospitals.Select(h => h.Count), Partition.Dirichlet(Wdbc, 5, 0.3, seed: 4).Select(h => h.Count));
    }

    [Fact]
    public void TooManyHospitalsForTheDataAreRefused() =>
        Assert.Throws<ArgumentException>("hospitals", () => Partition.Dirichlet(Wdbc, 100, 0.5, seed: 1));

    [Theory]
    [InlineData(0.3)]
    [InlineData(2.5)]
    public void GammaSamplesHaveTheRightMeanAndVariance(double shape)
    {
        var random = new Random(9);
        double[] x = [.. Enumerable.Range(0, 200_000).Select(_ => Partition.SampleGamma(random, shape))];
        double mean = x.Average();
        double variance = x.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, shape * 0.98, shape * 1.02);
        Assert.InRange(variance, shape * 0.95, shape * 1.05);
    }

    [Fact]
    public void TheGradientMatchesFiniteDifferences()
    {
        // One full-batch step with rate η moves the parameters by −η∇L; compare with central differences of the loss.
        var data = Wdbc.Select(Enumerable.Range(0, 40));
        data = Standardizer.Fit(data).Apply(data);
        float[] start = [.. Enumerable.Range(0, 31).Select(i => (float)Math.Sin(i) * 0.1f)];
        float[] stepped = (float[])start.Clone();
        const float rate = 1e-3f;
        LogisticRegression.Train(stepped, data, epochs: 1, rate, l2: 0, batchSize: data.Count, new Random(1));
        for (int j = 0; j < start.Length; j += 5)
        {
            double h = 1e-3;
            double numeric = (Loss(start, data, j, h) - Loss(start, data, j, -h)) / (2 * h);
            double analytic = (start[j] - stepped[j]) / rate;
            Assert.Equal(numeric, analytic, 2);
        }
    }

    [Fact]
    public void CentralizedTrainingClassifiesWdbcWell()
    {
        var (train, test) = Prepare();
        var settings = new LocalTrainingSettings();
        float[] model = settings.TrainAlone(train, rounds: 10, hospital: 0);
        Assert.True(LogisticRegression.Accuracy(model, test) >= 0.93);
    }

    [Fact]
    public void FedAvgOverNonIidHospitalsLearnsTheTask()
    {
        var (train, test) = Prepare();
        Dataset[] hospitals = Partition.Dirichlet(train, 5, alpha: 0.5, seed: 3);
        var settings = new LocalTrainingSettings();
        float[] global = new float[31];
        for (int round = 1; round <= 10; round++)
        {
            FedAvg.Round(global, hospitals, settings, round);
        }

        Assert.True(LogisticRegression.Accuracy(global, test) >= 0.9);
    }

    [Fact]
    public void AveragingIsWeightedByTheGivenWeights()
    {
        float[] mean = FedAvg.Average([[1f, 0f], [4f, 3f]], [1, 2]);
        Assert.Equal([3f, 2f], mean);
    }

    private static (Dataset Train, Dataset Test) Prepare()
    {
        var (train, test) = Partition.TrainTest(Wdbc, 0.2, seed: 1);
        Standardizer scaler = Standardizer.Fit(train);
        return (scaler.Apply(train), scaler.Apply(test));
    }

    private static double Loss(float[] parameters, Dataset data, int j, double h)
    {
        float[] p = (float[])parameters.Clone();
        p[j] += (float)h;
        double loss = 0;
        for (int i = 0; i < data.Count; i++)
        {
            double q = LogisticRegression.Probability(p, data.Features[i]);
            loss -= data.Labels[i] == 1 ? Math.Log(q) : Math.Log(1 - q);
        }

        return loss / data.Count;
    }
}
