namespace SecAgg.Participant.Client;

/// <summary>
/// A large send buffer kept from one round to the next (issue 17): a fresh multi-megabyte array each round pays its
/// first-touch page faults (about 12 µs per 4 KiB page on the VMs measured, ~8 ms for a 2.9 MB ciphertext chunk or
/// decryption share) and is large-object garbage afterwards. It holds only bytes that are sent to the aggregator anyway
/// (ciphertext chunks, decryption shares), never a secret. One buffer is kept; a concurrent user that finds it taken gets
/// a fresh one. Thread-safe.
/// </summary>
internal sealed class KeptBuffer
{
    private byte[]? _kept;

    /// <summary>The kept buffer when it has <paramref name="length"/> bytes, else a new one; give it back when done.</summary>
    public byte[] Take(int length) =>
        Interlocked.Exchange(ref _kept, null) is { } kept && kept.Length == length ? kept : new byte[length];

    /// <summary>Keeps <paramref name="buffer"/> for the next <see cref="Take"/> (the caller no longer uses it).</summary>
    public void Give(byte[] buffer) => Volatile.Write(ref _kept, buffer);
}
