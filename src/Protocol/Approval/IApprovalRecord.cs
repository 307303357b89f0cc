namespace SecAgg.Protocol.Approval;

/// <summary>
/// A participant's durable memory of which upload list it approved per (epoch, round), so that it never signs a second,
/// different list for the same round, also after a restart. Implementations must make <see cref="RecordOnce"/>
/// durable before returning and atomic against concurrent callers (<see cref="FileApprovalRecord"/>).
/// </summary>
public interface IApprovalRecord
{
    /// <summary>The list digest approved for (<paramref name="epoch"/>, <paramref name="round"/>), or null if none was.</summary>
    byte[]? Find(ulong epoch, ulong round);

    /// <summary>
    /// Records <paramref name="listDigest"/> for (<paramref name="epoch"/>, <paramref name="round"/>) unless a digest is already
    /// recorded there, durably, and returns the digest recorded after the call: <paramref name="listDigest"/>, or the one
    /// recorded before (the caller then refuses).
    /// </summary>
    byte[] RecordOnce(ulong epoch, ulong round, ReadOnlySpan<byte> listDigest);
}
