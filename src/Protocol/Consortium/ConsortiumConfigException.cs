using System.Collections.Immutable;

namespace SecAgg.Protocol.Consortium;

/// <summary>
/// The consortium file is invalid. <see cref="Errors"/> lists every problem found (not only the first),
/// each saying where it is and what to change.
/// </summary>
public sealed class ConsortiumConfigException : Exception
{
    /// <summary>Creates the exception from the list of problems found in <paramref name="source"/>.</summary>
    public ConsortiumConfigException(string source, IReadOnlyList<string> errors)
        : base(FormatMessage(source, errors))
    {
        Source = source;
        Errors = errors.ToImmutableArray();
    }

    /// <summary>Every problem found, in file order where possible.</summary>
    public ImmutableArray<string> Errors { get; }

    private static string FormatMessage(string source, IReadOnlyList<string> errors) =>
        $"The consortium configuration {source} has {errors.Count} error{(errors.Count == 1 ? "" : "s")}:"
        + string.Concat(errors.Select(e => Environment.NewLine + "  - " + e));
}
