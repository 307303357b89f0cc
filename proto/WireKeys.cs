namespace SecAgg.Proto.V1;

/// <summary>
/// Names that appear on the wire outside the protobuf messages: fully qualified service names
/// (the first part of a gRPC path, <c>/{service}/{method}</c>) and metadata keys.
/// The contract tests check the service names against the generated descriptors.
/// </summary>
public static class WireKeys
{
    /// <summary>The key-epoch service, <c>secagg.v1.KeyEpoch</c>.</summary>
    public const string KeyEpochService = "secagg.v1.KeyEpoch";

    /// <summary>The rounds service, <c>secagg.v1.Rounds</c>.</summary>
    public const string RoundsService = "secagg.v1.Rounds";

    /// <summary>
    /// Trailer carrying a binary <see cref="ErrorDetail"/> next to a non-OK <c>grpc-status</c>
    /// (the <c>-bin</c> suffix makes gRPC base64-encode it on HTTP/2).
    /// </summary>
    public const string ErrorDetailTrailer = "secagg-error-bin";

    /// <summary>Length in bytes of every SHA-256 digest field of the contract.</summary>
    public const int DigestLength = 32;

    /// <summary>Length in bytes of every seed field of the contract (CRS seed, rotation seed).</summary>
    public const int SeedLength = 32;

    /// <summary>Length in bytes of <see cref="UploadHeader.UploadId"/>.</summary>
    public const int UploadIdLength = 16;
}
