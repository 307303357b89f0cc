namespace SecAgg.Aggregator.Privacy;

/// <summary>One line of the privacy ledger: what a published round spent.</summary>
/// <param name="Round">The published round.</param>
/// <param name="Summands">The actual number of uploads (noise shares) in its sum.</param>
/// <param name="EpsilonRound">Epsilon of this round alone, at <paramref name="Delta"/>.</param>
/// <param name="EpsilonTotal">Epsilon of all published rounds so far composed, at <paramref name="Delta"/>.</param>
/// <param name="Delta">The consortium's delta.</param>
/// <param name="RecordedAt">When it was recorded.</param>
public sealed record LedgerEntry(long Round, int Summands, double EpsilonRound, double EpsilonTotal, double Delta, DateTimeOffset RecordedAt);
