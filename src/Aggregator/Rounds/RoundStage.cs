namespace SecAgg.Aggregator.Rounds;

/// <summary>
/// Where a round is in its life: Open → Collecting → Decrypting → Published, or Aborted from any
/// non-terminal stage. Persisted by name (<see cref="RoundStages"/>), never by number.
/// </summary>
public enum RoundStage
{
    /// <summary>Announced; uploads accepted; no upload counted yet.</summary>
    Open,

    /// <summary>At least one upload counted; more accepted until everyone is in or the collect deadline.</summary>
    Collecting,

    /// <summary>Collection closed: the upload list U is fixed and waits for every member of U to approve it.</summary>
    Approving,

    /// <summary>Every member of U approved U's list; the decryption set D is fixed and answers with shares.</summary>
    Decrypting,

    /// <summary>Every share arrived; the aggregate was decrypted and published (terminal).</summary>
    Published,

    /// <summary>The round stopped without decrypting anything (terminal).</summary>
    Aborted,
}

/// <summary>The stage names as stored and logged (stable; never renumbered).</summary>
public static class RoundStages
{
    /// <summary>Name of <see cref="RoundStage.Open"/>.</summary>
    public const string Open = "open";

    /// <summary>Name of <see cref="RoundStage.Collecting"/>.</summary>
    public const string Collecting = "collecting";

    /// <summary>Name of <see cref="RoundStage.Approving"/>.</summary>
    public const string Approving = "approving";

    /// <summary>Name of <see cref="RoundStage.Decrypting"/>.</summary>
    public const string Decrypting = "decrypting";

    /// <summary>Name of <see cref="RoundStage.Published"/>.</summary>
    public const string Published = "published";

    /// <summary>Name of <see cref="RoundStage.Aborted"/>.</summary>
    public const string Aborted = "aborted";

    /// <summary>The stable name of a stage.</summary>
    public static string Name(RoundStage stage) => stage switch
    {
        RoundStage.Open => Open,
        RoundStage.Collecting => Collecting,
        RoundStage.Approving => Approving,
        RoundStage.Decrypting => Decrypting,
        RoundStage.Published => Published,
        RoundStage.Aborted => Aborted,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "unknown round stage"),
    };

    /// <summary>Parses a stage name written by <see cref="Name"/>.</summary>
    public static RoundStage Parse(string name) => name switch
    {
        Open => RoundStage.Open,
        Collecting => RoundStage.Collecting,
        Approving => RoundStage.Approving,
        Decrypting => RoundStage.Decrypting,
        Published => RoundStage.Published,
        Aborted => RoundStage.Aborted,
        _ => throw new FormatException($"'{name}' is not a round stage (expected {Open}, {Collecting}, {Approving}, {Decrypting}, {Published} or {Aborted})"),
    };

    /// <summary>True for Published and Aborted.</summary>
    public static bool IsTerminal(this RoundStage stage) => stage is RoundStage.Published or RoundStage.Aborted;
}
