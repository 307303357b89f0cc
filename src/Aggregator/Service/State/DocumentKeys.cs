namespace SecAgg.Aggregator.Service.State;

/// <summary>The keys of the service's documents (<see cref="ServiceStateStore"/>); zero-padded numbers sort as text.</summary>
internal static class DocumentKeys
{
    public const string EpochConsortium = "epoch/1/consortium";
    public const string EpochSeed = "epoch/1/seed";
    public const string CommitPrefix = "epoch/1/commit/";
    public const string RevealPrefix = "epoch/1/reveal/";
    public const string AckPrefix = "epoch/1/ack/";
    public const string CertificatePrefix = "cert/";
    public const string ModelPrefix = "model/";

    public static string Commit(string id) => CommitPrefix + id;

    public static string Reveal(string id) => RevealPrefix + id;

    public static string Ack(string id) => AckPrefix + id;

    public static string Certificate(string id) => CertificatePrefix + id;

    public static string ThresholdPrefix(string recipient) => $"epoch/1/ts/{recipient}/";

    public static string Threshold(string recipient, string sender) => $"epoch/1/ts/{recipient}/{sender}";

    public static string Round(long n) => $"round/{n:D10}";

    public static string Upload(long n, string id) => $"upload/{n:D10}/{id}";

    public static string ChunkDigestPrefix(long n, string id) => $"cdigest/{n:D10}/{id}/";

    public static string ChunkDigest(long n, string id, int chunk) => $"cdigest/{n:D10}/{id}/{chunk:D8}";

    public static string Commitment(long n, string id) => $"ucommit/{n:D10}/{id}";

    public static string Approval(long n, string id) => $"approval/{n:D10}/{id}";

    public static string SharePrefix(long n, string id) => $"dshare/{n:D10}/{id}/";

    public static string Share(long n, string id, int chunk) => $"dshare/{n:D10}/{id}/{chunk:D8}";

    public static string Model(long version) => $"model/{version:D10}";
}
