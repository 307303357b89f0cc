using SecAgg.Crypto.Multiparty;

namespace SecAgg.Protocol;

/// <summary>
/// Decrypts one chunk of a <see cref="SetDecryptionSession"/> from its members' shares added one at a time
/// (<see cref="CiphertextScheme.StartCombine"/>): each share is checked as <see cref="CiphertextScheme.TryCheckShare"/>
/// does and decoded straight into the aggregate H = Σ_{j∈D} h_j (no share is materialised); <see cref="Finish"/> then
/// returns Σ_{i∈U} M_i mod 2^b from the sum c = Σ_{i∈U} c0_i as c + H (<see cref="SetDecryptionProtocol.Finalize(SetDecryptionSession, MaskedUpload, SetDecryptionShare)"/>).
/// Memory: one aggregate polynomial, whatever the number of members. Not thread-safe.
/// </summary>
public sealed class ShareCombiner
{
    private readonly AggregationParameters _parameters;
    private readonly SetDecryptionSession _session;
    private readonly int _chunk;
    private readonly SetDecryptionProtocol _protocol;
    private readonly SetDecryptionShare _aggregate;
    private readonly HashSet<int> _seen = [];

    internal ShareCombiner(AggregationParameters parameters, SetDecryptionSession session, int chunk)
    {
        _parameters = parameters;
        _session = session;
        _chunk = chunk;
        _protocol = new SetDecryptionProtocol(parameters);
        _aggregate = _protocol.AllocateShare();
    }

    /// <summary>Adds one member's serialized share.</summary>
    /// <exception cref="InvalidDataException">The share is malformed, or for another session, chunk or member.</exception>
    /// <exception cref="InvalidOperationException">The member's share was added already.</exception>
    public void Add(ReadOnlySpan<byte> share)
    {
        SetDecryptionShareHeader header = SetDecryptionShare.ReadHeader(_parameters, share);
        if (header.Contributors.Count != 1)
        {
            throw new InvalidDataException($"A share for chunk {_chunk} names contributors {string.Join(", ", header.Contributors)}; each member's share is its own alone.");
        }

        int party = header.Contributors[0];
        if (CiphertextScheme.Problem(header, _session, _chunk, party) is { } problem)
        {
            throw new InvalidDataException(problem);
        }

        if (!_seen.Add(party))
        {
            throw new InvalidOperationException($"Member {party}'s share for chunk {_chunk} is given twice.");
        }

        _protocol.AggregateShare(_aggregate, share); // residues checked as they are added
    }

    /// <summary>How many members' shares were added.</summary>
    public int Count => _seen.Count;

    /// <summary>Whether member <paramref name="party"/>'s share was added.</summary>
    public bool Contains(int party) => _seen.Contains(party);

    /// <summary>Decrypts the serialized sum of exactly U's uploads with the shares added: the values' sums mod 2^b.</summary>
    /// <exception cref="InvalidDataException">The sum is malformed.</exception>
    /// <exception cref="InvalidOperationException">A member of D is missing, the sum's summand count is not |U|, or (CKKS)
    /// the error bound does not allow exact rounding; the message says which.</exception>
    public uint[] Finish(ReadOnlySpan<byte> sum)
    {
        var values = new uint[_parameters.ValuesPerChunk];
        Finish(sum, values);
        return values;
    }

    /// <summary>As <see cref="Finish(ReadOnlySpan{byte})"/>, into the first destination.Length (≤ values per chunk) sums;
    /// the sum's bytes are decoded onto the aggregate (no polynomial allocated).</summary>
    /// <exception cref="InvalidDataException">The sum is malformed.</exception>
    /// <exception cref="InvalidOperationException">As <see cref="Finish(ReadOnlySpan{byte})"/>.</exception>
    public void Finish(ReadOnlySpan<byte> sum, Span<uint> destination) => _protocol.Finalize(_session, sum, _aggregate, destination);

    /// <summary>As <see cref="Finish(ReadOnlySpan{byte})"/>, with the sum already parsed.</summary>
    /// <exception cref="InvalidOperationException">As <see cref="Finish(ReadOnlySpan{byte})"/>.</exception>
    public uint[] Finish(MaskedUpload sum)
    {
        ArgumentNullException.ThrowIfNull(sum);
        return _protocol.Finalize(_session, sum, _aggregate);
    }
}
