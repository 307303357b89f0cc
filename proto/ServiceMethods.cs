using Google.Protobuf;
using Google.Protobuf.Reflection;
using SecAgg.Transport;

namespace SecAgg.Proto.V1;

/// <summary>
/// The typed stubs of the secagg.v1 contract: one static class per service holding one
/// <see cref="Method{TRequest, TResponse}"/> per rpc, built from the generated descriptors (kind and
/// message types are checked against the .proto at type initialization). Servers register handlers
/// with <see cref="GrpcServiceRegistry"/>; clients call them through <see cref="GrpcClient"/>, e.g.
/// <c>await client.CallAsync(RoundsMethods.GetRoundStatus, new GetRoundStatusRequest())</c>.
/// </summary>
internal static class ServiceMethods
{
    internal static Method<TRequest, TResponse> Create<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Method<TRequest, TResponse>.FromDescriptor(service, name);
}

/// <summary>The methods of <c>secagg.v1.KeyEpoch</c> (key_epoch.proto).</summary>
public static class KeyEpochMethods
{
    /// <summary>The service descriptor.</summary>
    public static ServiceDescriptor Descriptor => KeyEpochReflection.Descriptor.FindTypeByName<ServiceDescriptor>("KeyEpoch");

    /// <summary>Unary: the epoch info (CRS seed, HE parameters, threshold, participants).</summary>
    public static readonly Method<GetEpochInfoRequest, EpochInfo> GetEpochInfo = ServiceMethods.Create<GetEpochInfoRequest, EpochInfo>(Descriptor, nameof(GetEpochInfo));

    /// <summary>Unary: upload the caller's public-key share, exactly once.</summary>
    public static readonly Method<UploadPublicKeyShareRequest, UploadPublicKeyShareResponse> UploadPublicKeyShare = ServiceMethods.Create<UploadPublicKeyShareRequest, UploadPublicKeyShareResponse>(Descriptor, nameof(UploadPublicKeyShare));

    /// <summary>Unary: the collective public key and its digests.</summary>
    public static readonly Method<GetCollectivePublicKeyRequest, CollectivePublicKey> GetCollectivePublicKey = ServiceMethods.Create<GetCollectivePublicKeyRequest, CollectivePublicKey>(Descriptor, nameof(GetCollectivePublicKey));

    /// <summary>Client stream: the caller's encrypted threshold-share blobs, one per recipient.</summary>
    public static readonly Method<ThresholdShareBlob, UploadThresholdSharesResponse> UploadThresholdShares = ServiceMethods.Create<ThresholdShareBlob, UploadThresholdSharesResponse>(Descriptor, nameof(UploadThresholdShares));

    /// <summary>Server stream: the blobs addressed to the caller.</summary>
    public static readonly Method<FetchThresholdSharesRequest, ThresholdShareBlob> FetchThresholdShares = ServiceMethods.Create<FetchThresholdSharesRequest, ThresholdShareBlob>(Descriptor, nameof(FetchThresholdShares));
}

/// <summary>The methods of <c>secagg.v1.Rounds</c> (rounds.proto).</summary>
public static class RoundsMethods
{
    /// <summary>The service descriptor.</summary>
    public static ServiceDescriptor Descriptor => RoundsReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Rounds");

    /// <summary>Unary: a round's configuration.</summary>
    public static readonly Method<GetRoundConfigRequest, RoundConfig> GetRoundConfig = ServiceMethods.Create<GetRoundConfigRequest, RoundConfig>(Descriptor, nameof(GetRoundConfig));

    /// <summary>Client stream: header then ciphertext chunks (resumable).</summary>
    public static readonly Method<CiphertextUploadMessage, UploadCiphertextsResponse> UploadCiphertexts = ServiceMethods.Create<CiphertextUploadMessage, UploadCiphertextsResponse>(Descriptor, nameof(UploadCiphertexts));

    /// <summary>Unary: which chunks of an upload are already held.</summary>
    public static readonly Method<GetUploadProgressRequest, UploadProgress> GetUploadProgress = ServiceMethods.Create<GetUploadProgressRequest, UploadProgress>(Descriptor, nameof(GetUploadProgress));

    /// <summary>Server stream: the decryption session, then one request (c1) per chunk.</summary>
    public static readonly Method<FetchDecryptionRequestsRequest, DecryptionStreamMessage> FetchDecryptionRequests = ServiceMethods.Create<FetchDecryptionRequestsRequest, DecryptionStreamMessage>(Descriptor, nameof(FetchDecryptionRequests));

    /// <summary>Unary: a page of decryption requests (polling alternative).</summary>
    public static readonly Method<PollDecryptionRequestsRequest, DecryptionRequestBatch> PollDecryptionRequests = ServiceMethods.Create<PollDecryptionRequestsRequest, DecryptionRequestBatch>(Descriptor, nameof(PollDecryptionRequests));

    /// <summary>Client stream: the caller's decryption shares, one per chunk.</summary>
    public static readonly Method<DecryptionShare, UploadDecryptionSharesResponse> UploadDecryptionShares = ServiceMethods.Create<DecryptionShare, UploadDecryptionSharesResponse>(Descriptor, nameof(UploadDecryptionShares));

    /// <summary>Server stream: the published global model (header, then values).</summary>
    public static readonly Method<DownloadGlobalModelRequest, GlobalModelMessage> DownloadGlobalModel = ServiceMethods.Create<DownloadGlobalModelRequest, GlobalModelMessage>(Descriptor, nameof(DownloadGlobalModel));

    /// <summary>Unary: a round's stage and progress.</summary>
    public static readonly Method<GetRoundStatusRequest, RoundStatus> GetRoundStatus = ServiceMethods.Create<GetRoundStatusRequest, RoundStatus>(Descriptor, nameof(GetRoundStatus));
}

/// <summary>The methods of <c>secagg.v1.Health</c> (health.proto).</summary>
public static class HealthMethods
{
    /// <summary>The service descriptor.</summary>
    public static ServiceDescriptor Descriptor => HealthReflection.Descriptor.FindTypeByName<ServiceDescriptor>("Health");

    /// <summary>Unary: the serving status.</summary>
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = ServiceMethods.Create<HealthCheckRequest, HealthCheckResponse>(Descriptor, nameof(Check));
}
