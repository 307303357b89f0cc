namespace SecAgg.Protocol.Internal;

/// <summary>The participant-id rule of the consortium file: 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.</summary>
internal static class ParticipantIds
{
    public const int MaxLength = 64;

    public const string Rule = "1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
