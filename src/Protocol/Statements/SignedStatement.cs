using System.Buffers.Binary;

namespace SecAgg.Protocol.Statements;

/// <summary>
/// A statement's canonical bytes and its signature: ECDSA-P256-SHA256 by the enrollment key of the participant named
/// inside, IEEE P1363 (r ‖ s, 64 bytes). Serialized as statement length (u16 LE) ‖ statement ‖ signature (64).
/// Holding one proves nothing until <see cref="StatementVerifier"/> accepted it.
/// </summary>
public sealed class SignedStatement
{
    /// <summary>Bytes of an IEEE P1363 P-256 signature.</summary>
    public const int SignatureBytes = 64;

    private readonly byte[] _statement;
    private readonly byte[] _signature;

    /// <summary>Pairs statement bytes with a signature (both copied; nothing is verified here).</summary>
    /// <exception cref="ArgumentException">The statement is empty or longer than <see cref="Statement.MaxEncodedBytes"/>, or the signature is not 64 bytes.</exception>
    public SignedStatement(ReadOnlySpan<byte> statement, ReadOnlySpan<byte> signature)
    {
        if (statement.Length is 0 or > Statements.Statement.MaxEncodedBytes)
        {
            throw new ArgumentException($"A statement has 1 to {Statements.Statement.MaxEncodedBytes} bytes, not {statement.Length}.", nameof(statement));
        }

        if (signature.Length != SignatureBytes)
        {
            throw new ArgumentException($"A statement signature is {SignatureBytes} bytes (IEEE P1363), not {signature.Length}.", nameof(signature));
        }

        _statement = statement.ToArray();
        _signature = signature.ToArray();
    }

    /// <summary>The statement's canonical bytes (what was signed).</summary>
    public ReadOnlyMemory<byte> Statement => _statement;

    /// <summary>The 64-byte P1363 signature.</summary>
    public ReadOnlyMemory<byte> Signature => _signature;

    /// <summary>statement length (u16 LE) ‖ statement ‖ signature.</summary>
    public byte[] Serialize()
    {
        byte[] result = new byte[2 + _statement.Length + SignatureBytes];
        BinaryPrimitives.WriteUInt16LittleEndian(result, (ushort)_statement.Length);
        _statement.CopyTo(result, 2);
        _signature.CopyTo(result, 2 + _statement.Length);
        return result;
    }

    /// <summary>Reads <see cref="Serialize"/>'s output strictly (exact length).</summary>
    /// <exception cref="InvalidDataException">Truncated, trailing bytes, or a length out of range.</exception>
    public static SignedStatement Deserialize(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            throw new InvalidDataException($"The signed statement is malformed: it has {data.Length} bytes, too few for its length field.");
        }

        int length = BinaryPrimitives.ReadUInt16LittleEndian(data);
        if (length is 0 or > Statements.Statement.MaxEncodedBytes || data.Length != 2 + length + SignatureBytes)
        {
            throw new InvalidDataException(
                $"The signed statement is malformed: it declares a {length}-byte statement, so it must have {2 + length + SignatureBytes} bytes " +
                $"(statements have 1 to {Statements.Statement.MaxEncodedBytes} bytes), but it has {data.Length}.");
        }

        return new SignedStatement(data.Slice(2, length), data.Slice(2 + length));
    }
}
