namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// What a serialized <see cref="SetDecryptionShare"/> says about itself, read without materialising its value
/// (<see cref="SetDecryptionShare.ReadHeader"/>, <see cref="SetDecryptionShare.Validate"/>).
/// </summary>
/// <param name="SessionDigest">The session's digest.</param>
/// <param name="Chunk">The chunk k.</param>
/// <param name="Contributors">Members whose shares are summed in it (sorted, non-empty).</param>
public sealed record SetDecryptionShareHeader(ReadOnlyMemory<byte> SessionDigest, int Chunk, IReadOnlyList<int> Contributors);
