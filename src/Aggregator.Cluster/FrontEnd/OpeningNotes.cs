namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// What this silo's <see cref="ClusterRoundOpener"/> last heard that keeps rounds from opening, for the front end's
/// RoundStatus.not_open_reason (one per silo; every silo's opener asks the same consortium grain, so they agree).
/// </summary>
internal sealed class OpeningNotes
{
    private volatile string? _budgetExhausted;

    /// <summary>The consortium grain's privacy-budget refusal (with its numbers); null while rounds may open.</summary>
    public string? BudgetExhausted
    {
        get => _budgetExhausted;
        set => _budgetExhausted = value;
    }
}
