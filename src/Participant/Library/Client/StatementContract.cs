using Google.Protobuf;
using SecAgg.Protocol.Statements;

namespace SecAgg.Participant.Client;

/// <summary>Signed statements between the seam's <see cref="SignedStatement"/> and the wire message.</summary>
internal static class StatementContract
{
    /// <summary>The wire message of a signed statement.</summary>
    public static Proto.V1.SignedStatement ToContract(SignedStatement s) => new()
    {
        Statement = ByteString.CopyFrom(s.Statement.Span),
        Signature = ByteString.CopyFrom(s.Signature.Span),
    };

    /// <summary>A relayed statement; its content is checked by the verification that follows.</summary>
    /// <exception cref="InvalidDataException">Empty, over-long, or a signature that is not 64 bytes.</exception>
    public static SignedStatement FromContract(Proto.V1.SignedStatement s)
    {
        try
        {
            return new SignedStatement(s.Statement.Span, s.Signature.Span);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The aggregator relayed a malformed signed statement: {e.Message}", e);
        }
    }

    /// <summary>A relayed list of statements.</summary>
    /// <exception cref="InvalidDataException">One is malformed.</exception>
    public static SignedStatement[] FromContract(IEnumerable<Proto.V1.SignedStatement> list) => [.. list.Select(FromContract)];
}
