using SecAgg.Aggregator.Storage;

namespace SecAgg.Aggregator.Accumulation;

/// <summary>
/// One round's ciphertext sum in memory: the round's durable sum as it was read (<see cref="SealedSummands"/> uploads)
/// plus the counted uploads folded since (<see cref="Members"/>), chunk index by chunk index, each index an
/// <see cref="IChunkSum"/> that addends are added into (the first summand of an index starts it). Memory: one sum,
/// whatever the number of uploads; it is serialized only when it is written (<see cref="Chunks"/>). Not thread-safe.
/// </summary>
internal sealed class RunningSum
{
    private readonly IChunkSum?[] _chunks;
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);

    public RunningSum(long round, int chunkCount, int sealedSummands)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkCount, 1);
        Round = round;
        SealedSummands = sealedSummands;
        _chunks = new IChunkSum?[chunkCount];
    }

    public long Round { get; }

    public int ChunkCount => _chunks.Length;

    /// <summary>Uploads in the durable sum this sum started from.</summary>
    public int SealedSummands { get; }

    /// <summary>Counted uploads folded in since.</summary>
    public IReadOnlyCollection<string> Members => _members;

    public int Summands => SealedSummands + _members.Count;

    /// <summary>True when this sum is part of the round's exact sum: the same durable sum, and only uploads still pending there.</summary>
    public bool IsPartOf(SumContents contents) =>
        contents.SealedSummands == SealedSummands && contents.ChunkCount == ChunkCount && _members.IsSubsetOf(contents.Pending);

    /// <summary>Starts chunk <paramref name="index"/> from the durable sum's bytes.</summary>
    public void Start(IChunkAdder adder, int index, ReadOnlySpan<byte> sealedSum)
    {
        if (_chunks[index] is not null)
        {
            throw new InvalidOperationException($"chunk {index} of round {Round}'s running sum already holds uploads");
        }

        _chunks[index] = adder.StartSum(index, sealedSum);
    }

    /// <summary><c>sum[index] += addend</c> (a copy when it is the index's first summand).</summary>
    /// <exception cref="InvalidOperationException">The addend's length differs from the sum's.</exception>
    public void Add(IChunkAdder adder, int index, ReadOnlySpan<byte> addend)
    {
        IChunkSum? sum = _chunks[index];
        if (sum is null)
        {
            _chunks[index] = adder.StartSum(index, addend);
        }
        else if (sum.Bytes != addend.Length)
        {
            throw new InvalidOperationException($"a chunk {index} of round {Round} has {addend.Length} bytes but the round's sum has {sum.Bytes}");
        }
        else
        {
            sum.Add(addend);
        }
    }

    /// <summary>Records that every chunk of <paramref name="participant"/>'s upload was added.</summary>
    public void Commit(string participant) => _members.Add(participant);

    /// <summary>The sum's chunks serialized, in index order (one buffer each, written now).</summary>
    /// <exception cref="InvalidOperationException">The sum holds no upload.</exception>
    public IReadOnlyList<ReadOnlyMemory<byte>> Chunks => [.. _chunks.Select((c, i) => Serialize(c, i))];

    private ReadOnlyMemory<byte> Serialize(IChunkSum? sum, int index)
    {
        if (sum is null)
        {
            throw new InvalidOperationException($"round {Round}'s running sum has nothing at chunk {index}");
        }

        var bytes = new byte[sum.Bytes];
        sum.WriteTo(bytes);
        return bytes;
    }
}
