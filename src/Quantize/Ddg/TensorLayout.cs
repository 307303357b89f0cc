namespace SecAgg.Quantize.Ddg;

/// <summary>One named tensor of the round's layout.</summary>
/// <param name="Name">Tensor name (unique in the layout).</param>
/// <param name="Shape">Dimensions; the tensor holds their product of floats, row-major.</param>
public sealed record TensorSpec(string Name, IReadOnlyList<int> Shape)
{
    /// <summary>Number of elements.</summary>
    public int Length => Shape.Aggregate(1, (a, b) => checked(a * b));
}

/// <summary>
/// The round's layout: the order in which named tensors are concatenated into the flat update the
/// encoder sees (and split back after decoding).
/// </summary>
public sealed class TensorLayout
{
    private readonly TensorSpec[] _tensors;
    private readonly int[] _offsets;

    /// <summary>Creates a layout; names must be unique and shapes positive.</summary>
    public TensorLayout(IEnumerable<TensorSpec> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _tensors = tensors.ToArray();
        _offsets = new int[_tensors.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        for (int i = 0; i < _tensors.Length; i++)
        {
            TensorSpec t = _tensors[i];
            if (!seen.Add(t.Name))
            {
                throw new ArgumentException($"Tensor name '{t.Name}' appears twice in the layout.", nameof(tensors));
            }

            if (t.Shape.Count == 0 || t.Shape.Any(x => x <= 0))
            {
                throw new ArgumentException($"Tensor '{t.Name}' has an empty or non-positive shape.", nameof(tensors));
            }

            _offsets[i] = (int)offset;
            offset += t.Length;
            if (offset > int.MaxValue)
            {
                throw new ArgumentException("The layout exceeds 2^31 - 1 values.", nameof(tensors));
            }
        }

        TotalLength = (int)offset;
    }

    /// <summary>The tensors in order.</summary>
    public IReadOnlyList<TensorSpec> Tensors => _tensors;

    /// <summary>Total number of floats (the encoder's Dimension).</summary>
    public int TotalLength { get; }

    /// <summary>Copies each named tensor to its place in <paramref name="destination"/>.</summary>
    public void Flatten(IReadOnlyDictionary<string, float[]> tensors, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (destination.Length != TotalLength)
        {
            throw new ArgumentException($"The destination must hold {TotalLength} values, got {destination.Length}.", nameof(destination));
        }

        if (tensors.Count != _tensors.Length)
        {
            throw new ArgumentException($"Expected {_tensors.Length} tensors, got {tensors.Count}.", nameof(tensors));
        }

        for (int i = 0; i < _tensors.Length; i++)
        {
            TensorSpec t = _tensors[i];
            if (!tensors.TryGetValue(t.Name, out float[]? values))
            {
                throw new ArgumentException($"Tensor '{t.Name}' of the layout is missing.", nameof(tensors));
            }

            if (values.Length != t.Length)
            {
                throw new ArgumentException($"Tensor '{t.Name}' has {values.Length} values; the layout says {t.Length}.", nameof(tensors));
            }

            values.CopyTo(destination.Slice(_offsets[i], t.Length));
        }
    }

    /// <summary>Splits a flat vector back into named tensors (new arrays).</summary>
    public Dictionary<string, float[]> Unflatten(ReadOnlySpan<float> flat)
    {
        if (flat.Length != TotalLength)
        {
            throw new ArgumentException($"The flat vector must hold {TotalLength} values, got {flat.Length}.", nameof(flat));
        }

        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < _tensors.Length; i++)
        {
            result[_tensors[i].Name] = flat.Slice(_offsets[i], _tensors[i].Length).ToArray();
        }

        return result;
    }
}
