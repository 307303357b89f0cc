using Spectre.Console;

namespace SecAgg.Cli.Commands;

/// <summary>How every verb reports unusable input: one red line per problem, exit code 2.</summary>
internal static class CliErrors
{
    /// <summary>Exit code for bad options or input files.</summary>
    public const int BadInput = 2;

    /// <summary>Exit code for a failure while running (network, aggregator refusal, I/O).</summary>
    public const int Failed = 1;

    /// <summary>
    /// What a person reads for an exception: its message without .NET's " (Parameter 'x')" suffix, which names a C#
    /// parameter the person never wrote.
    /// </summary>
    public static string Describe(Exception error)
    {
        string message = error.Message;
        if (error is ArgumentException { ParamName: { } name })
        {
            string suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal))
            {
                message = message[..^suffix.Length];
            }
        }

        return message;
    }

    public static int Report(IAnsiConsole console, IEnumerable<string> errors, int exitCode = BadInput)
    {
        foreach (string error in errors)
        {
            foreach (string line in error.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                console.MarkupLineInterpolated($"[red]error:[/] {line.TrimEnd('\r')}");
            }
        }

        return exitCode;
    }
}
