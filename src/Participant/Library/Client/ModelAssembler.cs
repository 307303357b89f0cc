using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Participant.Client;

/// <summary>
/// Puts a downloaded global model together from its <see cref="ModelFrame"/>s and checks it: the header first (its
/// element count must be the consortium file's model-dimension), then the data runs in order, each starting where the
/// previous one ended, from element 0 (the contract's order; this client always asks from element 0), hashed as they
/// arrive; <see cref="Finish"/> requires every value and the header's SHA-256. The values go straight from each frame's
/// buffer into the model, which is allocated without zeroing: every element is written before the model is returned,
/// and a stream that fails any check throws before the array is seen. A header of another model version or round than
/// the one asked for (<paramref name="version"/>, <paramref name="round"/>; 0: any) is refused.
/// </summary>
internal sealed class ModelAssembler(ulong modelDimension, ulong version = 0, ulong round = 0) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private GlobalModelHeader? _header;
    private float[]? _values;
    private int _next;

    /// <summary>Takes one frame of the stream (the caller disposes it).</summary>
    /// <exception cref="InvalidDataException">The frame is malformed, out of place or out of bounds (the message says which).</exception>
    public void Add(ModelFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Malformed is { } malformed)
        {
            throw new InvalidDataException($"The global model stream is malformed: {malformed}.");
        }

        if (frame.Header is { } header)
        {
            if (_header is not null)
            {
                throw new InvalidDataException($"The global model stream sent a second header (model version {header.ModelVersion}) after model version {_header.ModelVersion}'s.");
            }

            if ((version != 0 && header.ModelVersion != version) || (round != 0 && header.Round != round))
            {
                throw new InvalidDataException(version != 0
                    ? $"The aggregator sent model version {header.ModelVersion} (round {header.Round}); version {version} was asked for."
                    : $"The aggregator sent the model of round {header.Round} (version {header.ModelVersion}); round {round}'s was asked for.");
            }

            if (header.Layout is null || header.Layout.TotalElements != modelDimension)
            {
                throw new InvalidDataException($"The global model announces {header.Layout?.TotalElements ?? 0} values; the consortium file's model-dimension is {modelDimension}.");
            }

            _values = GC.AllocateUninitializedArray<float>(checked((int)header.Layout.TotalElements));
            _header = header;
            return;
        }

        if (_values is null)
        {
            throw new InvalidDataException("The global model stream sent data before its header.");
        }

        if (frame.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"Model data at offset {frame.Offset} has {frame.Length} bytes, not a whole number of float32 values.");
        }

        int count = frame.Length / sizeof(float);
        if (frame.Offset != (ulong)_next)
        {
            throw new InvalidDataException($"Model data at offset {frame.Offset} is out of order: the values received so far end at element {_next}, and the stream sends its runs in order.");
        }

        if (count > _values.Length - _next)
        {
            throw new InvalidDataException($"Model data at offset {frame.Offset} runs past the {_values.Length} values of the layout.");
        }

        // Little-endian IEEE 754 on the wire (the contract); every platform .NET runs this on is little-endian.
        frame.Data.CopyTo(MemoryMarshal.AsBytes(_values.AsSpan(_next, count)));
        _hash.AppendData(frame.Data);
        _next += count;
    }

    /// <summary>The model, once every value has come and their SHA-256 is the header's.</summary>
    /// <exception cref="InvalidDataException">The stream ended early or the values do not match the digest.</exception>
    public GlobalModel Finish()
    {
        if (_header is null || _values is null)
        {
            throw new InvalidDataException("The global model stream ended without a header.");
        }

        if (_next != _values.Length)
        {
            throw new InvalidDataException($"The global model stream of model version {_header.ModelVersion} ended after {_next} of its {_values.Length} values (truncated download).");
        }

        if (!_hash.GetHashAndReset().AsSpan().SequenceEqual(_header.DataDigest.Span))
        {
            throw new InvalidDataException($"Model version {_header.ModelVersion} does not match its digest (truncated or corrupted download).");
        }

        return new GlobalModel(_header.ModelVersion, _header.Round, ContractMapping.FromContract(_header.Layout), _values);
    }

    public void Dispose() => _hash.Dispose();
}
