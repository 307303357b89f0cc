namespace SecAgg.Aggregator.Service.State;

/// <summary>The keys of the service's documents (<see cref="ServiceStateStore"/>); zero-padded numbers sort as text.</summary>
internal static class DocumentKeys
{
    public const string EpochSeed = "epoch/1/seed";
    public const string EpochHe = "epoch/1/he";
    public const string EpochKey = "epoch/1/collective-key";
    public const string PublicKeySharePrefix = "epoch/1/pk/";
    public const string ModelPrefix = "model/";

    public static string PublicKeyShare(string id) => PublicKeySharePrefix + id;

    public static string ThresholdPrefix(string recipient) => $"epoch/1/ts/{recipient}/";

    public static string Threshold(string recipient, string sender) => $"epoch/1/ts/{recipient}/{sender}";

    public static string Round(long n) => $"round/{n:D10}";

    public static string Upload(long n, string id) => $"upload/{n:D10}/{id}";

    public static string SharePrefix(long n, string id) => $"dshare/{n:D10}/{id}/";

    public static string Share(long n, string id, int chunk) => $"dshare/{n:D10}/{id}/{chunk:D8}";

    public static string Model(long version) => $"model/{version:D10}";
}
