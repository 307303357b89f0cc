namespace SecAgg.Participant.Tensors;

/// <summary>
/// A named, shaped block of values, held as binary32 whatever its file type was
/// (<see cref="SourceType"/> records that, so a file can be written back in the type it came in).
/// </summary>
public sealed class NamedTensor
{
    /// <summary>Creates a tensor; <paramref name="values"/> is taken as is (not copied).</summary>
    /// <exception cref="ArgumentException">The name is empty, a dimension is negative, or the shape does not match the number of values.</exception>
    public NamedTensor(string name, int[] shape, float[] values, TensorDType sourceType = TensorDType.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        long count = 1;
        foreach (int dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Tensor '{name}' has a negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
            }

            count *= dimension;
        }

        if (count != values.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}' has shape [{string.Join(", ", shape)}] ({count} values) but {values.Length} values were given.",
                nameof(values));
        }

        Name = name;
        Shape = (int[])shape.Clone();
        Values = values;
        SourceType = sourceType;
    }

    /// <summary>The tensor's name (the safetensors key, or the .npz member name without <c>.npy</c>).</summary>
    public string Name { get; }

    /// <summary>The dimensions, outermost first (row-major / C order).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>The values in row-major order.</summary>
    public float[] Values { get; }

    /// <summary>The element type the tensor was read from (or is to be written as by default).</summary>
    public TensorDType SourceType { get; }

    /// <summary>The number of values: the product of <see cref="Shape"/>.</summary>
    public int Length => Values.Length;
}
