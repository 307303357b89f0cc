using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Epoch;

/// <summary>
/// What a participant holds for the rounds of one key epoch (<see cref="ParticipantKeyEpoch.Complete"/>): the epoch's
/// public seed (round polynomials, rotation seeds), its own key share s_i (its uploads are masked under it) and its N
/// Shamir shares f_i(j), one per dealer (its decryption shares are made from them). Secret: keep it only in a 0600 file
/// (<see cref="Serialize"/>); <see cref="Dispose"/> wipes it.
/// <para>File format: "SAEK" ‖ version 1 ‖ epoch (u64) ‖ participant id (str) ‖ epoch seed (32) ‖ s_i (u32 length ‖
/// <see cref="KeyShareSecret.Serialize"/>) ‖ shares (u32 length ‖ <see cref="ThresholdKeyShares.Serialize"/>) ‖ SHA-256 of
/// everything before it. The two crypto blobs carry the aggregation parameter digest and are checked against it.</para>
/// </summary>
public sealed class EpochKeys : IDisposable
{
    private static readonly byte[] Magic = "SAEK"u8.ToArray();
    private readonly byte[] _seed;

    internal EpochKeys(ulong epoch, string participantId, byte[] epochSeed, KeyShareSecret secret, ThresholdKeyShares shares)
    {
        Epoch = epoch;
        ParticipantId = participantId;
        _seed = epochSeed;
        Secret = secret;
        Shares = shares;
    }

    /// <summary>The key epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>The owner.</summary>
    public string ParticipantId { get; }

    /// <summary>The epoch's public 32-byte seed.</summary>
    public ReadOnlyMemory<byte> EpochSeed => _seed;

    /// <summary>s_i: the owner's key share (masks its uploads: <see cref="UpdateEncryptor"/>).</summary>
    public KeyShareSecret Secret { get; }

    /// <summary>The owner's N Shamir shares (answers decryption sessions: <see cref="MemberDecryption"/>).</summary>
    public ThresholdKeyShares Shares { get; }

    /// <summary>The keys as bytes for the owner's 0600 key file (format in the class summary); the caller zeroes the array once written.</summary>
    public byte[] Serialize()
    {
        byte[] secret = Secret.Serialize();
        byte[] shares = Shares.Serialize();
        try
        {
            var w = new ByteWriter(64 + secret.Length + shares.Length);
            w.Bytes(Magic);
            w.U8(1);
            w.U64(Epoch);
            w.String(ParticipantId);
            w.Bytes(_seed);
            w.U32((uint)secret.Length);
            w.Bytes(secret);
            w.U32((uint)shares.Length);
            w.Bytes(shares);
            w.Bytes(SHA256.HashData(w.WrittenSpan));
            return w.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
            CryptographicOperations.ZeroMemory(shares);
        }
    }

    /// <summary>Reads <see cref="Serialize"/>'s output for <paramref name="participantId"/> and <paramref name="epoch"/> under <paramref name="parameters"/>.</summary>
    /// <exception cref="InvalidDataException">Damaged, or the keys of another participant, epoch or parameter set.</exception>
    public static EpochKeys Deserialize(AggregationParameters parameters, string participantId, ulong epoch, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(participantId);
        if (data.Length < 32 || !SHA256.HashData(data[..^32]).AsSpan().SequenceEqual(data[^32..]))
        {
            throw new InvalidDataException("The epoch key file is damaged (checksum mismatch); restore it from a backup or join a new key epoch.");
        }

        var r = new ByteReader(data[..^32], "epoch key file");
        if (!r.Bytes(Magic.Length, "header").SequenceEqual(Magic) || r.U8("version") != 1)
        {
            throw r.Fail("it is not a version-1 epoch key file");
        }

        ulong storedEpoch = r.U64("epoch");
        string storedId = r.String("participant id", ParticipantIds.MaxLength);
        if (storedEpoch != epoch || storedId != participantId)
        {
            throw r.Fail($"it holds the keys of '{storedId}' for epoch {storedEpoch}, not '{participantId}' for epoch {epoch}");
        }

        byte[] seed = r.Bytes(32, "epoch seed").ToArray();
        KeyShareSecret secret = KeyShareSecret.Deserialize(parameters, r.LengthPrefixed("key share"));
        try
        {
            ThresholdKeyShares shares = ThresholdKeyShares.Deserialize(parameters, r.LengthPrefixed("Shamir shares"));
            r.End();
            return new EpochKeys(epoch, participantId, seed, secret, shares);
        }
        catch
        {
            secret.Dispose();
            throw;
        }
    }

    /// <summary>Wipes s_i and the shares.</summary>
    public void Dispose()
    {
        Secret.Dispose();
        Shares.Dispose();
    }
}
