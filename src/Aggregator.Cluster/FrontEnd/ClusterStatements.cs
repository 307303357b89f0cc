using Google.Protobuf;
using Grpc.Core;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// Signed statements between the wire and the grains: a statement a participant sends must be its own (the participant id
/// inside is the authenticated caller's) and verify under its pinned key for the consortium's epoch before a grain sees it;
/// statements the grains hold go out exactly as their signers sent them.
/// </summary>
internal static class ClusterStatements
{
    /// <summary>Verifies <paramref name="wire"/> as the caller's own <typeparamref name="T"/>; returns it with its serialized form (what the grains take).</summary>
    /// <exception cref="RefusalException">Missing or malformed (INVALID_ARGUMENT), another participant's, or refused by the verifier (PERMISSION_DENIED, STATEMENT_REJECTED).</exception>
    public static (T Statement, byte[] Serialized) VerifyOwn<T>(StatementVerifier verifier, string caller, V1.SignedStatement? wire, string field, ulong round)
        where T : Statement
    {
        if (wire is null || wire.Statement.IsEmpty)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.Malformed, $"{field} is missing", round);
        }

        SignedStatement signed;
        Statement parsed;
        try
        {
            signed = new SignedStatement(wire.Statement.Span, wire.Signature.Span);
            parsed = Statement.Parse(signed.Statement.Span);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.StatementRejected, $"{field} cannot be read: {PlainMessage.Of(e)}", round);
        }

        if (!string.Equals(parsed.ParticipantId, caller, StringComparison.Ordinal))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.StatementRejected,
                $"the {parsed.Kind} statement names participant '{parsed.ParticipantId}', but the client certificate belongs to '{caller}'; a participant submits only its own statements", round);
        }

        try
        {
            return (verifier.Verify<T>(signed), signed.Serialize());
        }
        catch (StatementRejectedException e)
        {
            throw new RefusalException(e.Reason == StatementRejection.Malformed ? StatusCode.InvalidArgument : StatusCode.PermissionDenied, ErrorReason.StatementRejected, e.Message, round);
        }
    }

    /// <summary>The wire form of a statement a grain holds serialized.</summary>
    public static V1.SignedStatement ToWire(byte[] serialized)
    {
        SignedStatement s = SignedStatement.Deserialize(serialized);
        return new V1.SignedStatement { Statement = ByteString.CopyFrom(s.Statement.Span), Signature = ByteString.CopyFrom(s.Signature.Span) };
    }

    /// <summary>The participant a serialized statement names.</summary>
    public static string ParticipantOf(byte[] serialized) => Statement.Parse(SignedStatement.Deserialize(serialized).Statement.Span).ParticipantId;
}
