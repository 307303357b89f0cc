using Google.Protobuf;
using Grpc.Core;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Signed statements between the wire and the Protocol seam: a caller submits only statements that name itself and
/// verify under its own pinned key for this consortium and key epoch; every refusal is
/// ERROR_REASON_STATEMENT_REJECTED (INVALID_ARGUMENT for unreadable bytes, PERMISSION_DENIED otherwise) with the
/// verifier's message.
/// </summary>
internal static class SignedStatements
{
    /// <summary>The seam's form of a wire statement.</summary>
    /// <exception cref="RefusalException">Missing, or the signature has the wrong length.</exception>
    public static SignedStatement FromWire(V1.SignedStatement? wire, string field, ulong round = 0)
    {
        if (wire is null || wire.Statement.IsEmpty)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.Malformed, $"{field} is missing", round);
        }

        try
        {
            return new SignedStatement(wire.Statement.Span, wire.Signature.Span);
        }
        catch (ArgumentException e)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.StatementRejected, $"{field} is malformed: {PlainMessage.Of(e)}", round);
        }
    }

    /// <summary>The wire form of a statement, exactly as its signer sent it.</summary>
    public static V1.SignedStatement ToWire(SignedStatement s) =>
        new() { Statement = ByteString.CopyFrom(s.Statement.Span), Signature = ByteString.CopyFrom(s.Signature.Span) };

    /// <summary>Verifies <paramref name="signed"/> as the caller's own <typeparamref name="T"/> of the current epoch.</summary>
    /// <exception cref="RefusalException">It names another participant, or the verifier refused it.</exception>
    public static T VerifyOwn<T>(StatementVerifier verifier, string caller, SignedStatement signed, ulong round = 0)
        where T : Statement
    {
        Statement parsed;
        try
        {
            parsed = Statement.Parse(signed.Statement.Span);
        }
        catch (InvalidDataException e)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.StatementRejected, $"the statement cannot be read: {e.Message}", round);
        }

        if (!string.Equals(parsed.ParticipantId, caller, StringComparison.Ordinal))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.StatementRejected,
                $"the {parsed.Kind} statement names participant '{parsed.ParticipantId}', but the client certificate belongs to '{caller}'; a participant submits only its own statements", round);
        }

        try
        {
            return verifier.Verify<T>(signed);
        }
        catch (StatementRejectedException e)
        {
            throw new RefusalException(
                e.Reason == StatementRejection.Malformed ? StatusCode.InvalidArgument : StatusCode.PermissionDenied, ErrorReason.StatementRejected, e.Message, round);
        }
    }
}
