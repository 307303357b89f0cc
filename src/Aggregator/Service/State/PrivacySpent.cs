using SecAgg.Protocol.Consortium;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Storage;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The privacy ledger as the operator sees it: the epsilon spent after each published round against the consortium's
/// budget. Read from the store at start-up and again after each publication (the ledger only grows).
/// </summary>
internal sealed class PrivacySpent(IAggregatorStore store, ConsortiumConfig config)
{
    private volatile IReadOnlyList<LedgerEntry> _entries = [];

    /// <summary>The published rounds' ledger entries, oldest first.</summary>
    public IReadOnlyList<LedgerEntry> Entries => _entries;

    /// <summary>Total epsilon spent over the published rounds (0 before the first).</summary>
    public double Total => _entries is [.., LedgerEntry last] ? last.EpsilonTotal : 0;

    /// <summary>The consortium's (epsilon, delta) budget.</summary>
    public PrivacyBudget Budget => config.PrivacyBudget;

    /// <summary>Re-reads the ledger.</summary>
    public async Task RefreshAsync(CancellationToken ct) => _entries = await store.GetLedgerAsync(ct).ConfigureAwait(false);
}
