namespace SecAgg.Protocol.Internal;

/// <summary>Exception messages as a person reads them: without .NET's " (Parameter 'x')" suffix.</summary>
internal static class ErrorText
{
    public static string Of(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            string suffix = $" (Parameter '{name}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal))
            {
                message = message[..^suffix.Length];
            }
        }

        return message;
    }
}
