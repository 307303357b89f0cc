using System.Globalization;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Cluster.Hosting;

/// <summary>
/// A model layout written on a command line: tensors in order as <c>name:shape</c>, shapes as dimensions joined by
/// <c>x</c>, tensors separated by commas (e.g. <c>dense.weight:784x10,dense.bias:10</c>), the same tensors, in the same
/// order, as the participants' model files.
/// </summary>
public static class LayoutText
{
    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">What is wrong with it, and what a valid one looks like.</exception>
    public static TensorLayout Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tensors = new List<TensorSpec>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = part.LastIndexOf(':');
            string[] dims = colon > 0 ? part[(colon + 1)..].Split('x') : [];
            var shape = new List<int>();
            foreach (string d in dims)
            {
                if (!int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                {
                    shape.Clear();
                    break;
                }

                shape.Add(n);
            }

            if (colon <= 0 || shape.Count == 0)
            {
                throw new ArgumentException($"--layout: '{part}' is not name:shape; write the model's tensors in order, e.g. dense.weight:784x10,dense.bias:10.");
            }

            tensors.Add(new TensorSpec(part[..colon], shape));
        }

        if (tensors.Count == 0)
        {
            throw new ArgumentException("--layout is empty; write the model's tensors in order, e.g. dense.weight:784x10,dense.bias:10.");
        }

        return new TensorLayout(tensors);
    }
}
