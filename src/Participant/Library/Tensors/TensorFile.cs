namespace SecAgg.Participant.Tensors;

/// <summary>Reads and writes model updates by file extension: <c>.safetensors</c>, <c>.npy</c> or <c>.npz</c>.</summary>
public static class TensorFile
{
    /// <summary>Reads every tensor of the file, in file order.</summary>
    /// <exception cref="ArgumentException">The extension is not one of the supported ones.</exception>
    /// <exception cref="TensorFormatException">The file is malformed.</exception>
    public static IReadOnlyList<NamedTensor> Read(string path) => Kind(path) switch
    {
        ".safetensors" => SafeTensorsFormat.Read(path),
        ".npy" => [NpyFormat.Read(path)],
        _ => NpyFormat.ReadArchive(path),
    };

    /// <summary>Writes tensors atomically in the format the extension names.</summary>
    /// <param name="path">The file.</param>
    /// <param name="tensors">The tensors; a .npy file takes exactly one.</param>
    /// <param name="type">The element type; null keeps each tensor's source type for safetensors and writes Float32 to numpy files.</param>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, TensorDType? type = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        switch (Kind(path))
        {
            case ".safetensors":
                SafeTensorsFormat.Write(path, tensors, type);
                break;
            case ".npy":
                if (tensors.Count != 1)
                {
                    throw new ArgumentException($"A .npy file holds one array but {tensors.Count} tensors were given; write a .npz or .safetensors file instead.", nameof(tensors));
                }

                NpyFormat.Write(path, tensors[0], type ?? TensorDType.Float32);
                break;
            default:
                NpyFormat.WriteArchive(path, tensors, type ?? TensorDType.Float32);
                break;
        }
    }

    private static string Kind(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension is ".safetensors" or ".npy" or ".npz"
            ? extension
            : throw new ArgumentException($"'{path}' has extension '{extension}'; use .safetensors, .npy or .npz.", nameof(path));
    }
}
