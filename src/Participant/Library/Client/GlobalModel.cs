using SecAgg.Participant.Tensors;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Participant.Client;

/// <summary>A published global model.</summary>
/// <param name="ModelVersion">Its version.</param>
/// <param name="Round">The round that produced it.</param>
/// <param name="Layout">Its layout.</param>
/// <param name="Values">The flattened values.</param>
public sealed record GlobalModel(ulong ModelVersion, ulong Round, TensorLayout Layout, float[] Values)
{
    /// <summary>The model as named tensors (F32).</summary>
    public IReadOnlyList<NamedTensor> ToTensors()
    {
        Dictionary<string, float[]> parts = Layout.Unflatten(Values);
        return [.. Layout.Tensors.Select(t => new NamedTensor(t.Name, [.. t.Shape], parts[t.Name]))];
    }
}
