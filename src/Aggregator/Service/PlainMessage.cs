namespace SecAgg.Aggregator.Service;

/// <summary>Exception messages as a person reads them: without .NET's " (Parameter 'x')" suffix.</summary>
public static class PlainMessage
{
    /// <summary>The message of <paramref name="e"/>, without the parameter-name suffix of an <see cref="ArgumentException"/>.</summary>
    public static string Of(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name } && message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal))
        {
            message = message[..^($" (Parameter '{name}')".Length)];
        }

        return message;
    }
}
