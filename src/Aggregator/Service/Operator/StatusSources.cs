using System.Security.Cryptography;
using SecAgg.Aggregator.Service.State;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Service.Operator;

/// <summary>The state the status page reads (the host's singletons), and the SHA-256 of the consortium file as started.</summary>
internal sealed class StatusSources(
    ConsortiumRoster roster, KeyEpochState epoch, RoundCatalog rounds, PrivacySpent privacy, RefusalJournal refusals, ProtocolPreset preset, AggregatorHostOptions options)
{
    public ConsortiumRoster Roster => roster;

    public KeyEpochState Epoch => epoch;

    public RoundCatalog Rounds => rounds;

    public PrivacySpent Privacy => privacy;

    public RefusalJournal Refusals => refusals;

    public ProtocolPreset Preset => preset;

    public AggregatorHostOptions Options => options;

    /// <summary>SHA-256 of the consortium file's bytes (hex), what <c>sha256sum consortium.yaml</c> prints.</summary>
    public string ConsortiumFileSha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(options.ConfigPath)));
}
