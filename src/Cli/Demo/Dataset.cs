using System.Globalization;
using System.Reflection;

namespace SecAgg.Cli.Demo;

/// <summary>A labelled table: one feature row per example and a 0/1 label.</summary>
internal sealed class Dataset
{
    public Dataset(float[][] features, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Length != labels.Length)
        {
            throw new ArgumentException($"{features.Length} feature rows but {labels.Length} labels.", nameof(labels));
        }

        Features = features;
        Labels = labels;
    }

    public float[][] Features { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    public int FeatureCount => Features.Length == 0 ? 0 : Features[0].Length;

    public Dataset Select(IEnumerable<int> rows)
    {
        int[] index = [.. rows];
        return new Dataset([.. index.Select(i => Features[i])], [.. index.Select(i => Labels[i])]);
    }

    /// <summary>
    /// The Wisconsin Diagnostic Breast Cancer data (569 rows, 30 features), shipped in data/wdbc and embedded in this
    /// assembly. The label is 1 for malignant, 0 for benign (the file's 0 = malignant is flipped so that 1 is the finding).
    /// </summary>
    public static Dataset LoadWdbc()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("wdbc.csv")
            ?? throw new InvalidOperationException("The WDBC data set is not embedded in this build.");
        using var reader = new StreamReader(stream);
        return ParseWdbc(reader);
    }

    /// <summary>Parses the scikit-learn breast_cancer.csv layout: a header "rows,features,names…", then rows of features and a 0/1 target.</summary>
    public static Dataset ParseWdbc(TextReader reader)
    {
        string header = reader.ReadLine() ?? throw new FormatException("The WDBC file is empty.");
        string[] head = header.Split(',');
        int rows = int.Parse(head[0], CultureInfo.InvariantCulture);
        int columns = int.Parse(head[1], CultureInfo.InvariantCulture);
        var features = new float[rows][];
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            string line = reader.ReadLine() ?? throw new FormatException($"The WDBC file ends at row {r + 1} of {rows}.");
            string[] cells = line.Split(',');
            if (cells.Length != columns + 1)
            {
                throw new FormatException($"WDBC row {r + 1} has {cells.Length} cells; expected {columns + 1}.");
            }

            features[r] = [.. cells.Take(columns).Select(c => float.Parse(c, CultureInfo.InvariantCulture))];
            labels[r] = cells[columns] == "0" ? 1 : 0;
        }

        return new Dataset(features, labels);
    }
}
