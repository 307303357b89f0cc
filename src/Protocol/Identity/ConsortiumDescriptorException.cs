using System.Collections.Immutable;

namespace SecAgg.Protocol.Identity;

/// <summary>
/// The consortium's parameters are not acceptable. <see cref="Errors"/> lists every problem found, each saying what
/// to change; the message lists them all.
/// </summary>
public sealed class ConsortiumDescriptorException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public ConsortiumDescriptorException(IReadOnlyList<string> errors)
        : base(FormatMessage(errors))
    {
        Errors = [.. errors];
    }

    /// <summary>Every problem found.</summary>
    public ImmutableArray<string> Errors { get; }

    private static string FormatMessage(IReadOnlyList<string> errors) =>
        $"The consortium parameters have {errors.Count} problem{(errors.Count == 1 ? "" : "s")}:"
        + string.Concat(errors.Select(e => Environment.NewLine + "  - " + e));
}
