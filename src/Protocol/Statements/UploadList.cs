using System.Security.Cryptography;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Statements;

/// <summary>
/// The digest of a round's upload list U, which every member of U approves (<see cref="RoundApproval"/>):
/// <b>SHA-256("secagg/v2/upload-list" ‖ |U| (u32 LE) ‖ for each <see cref="UploadCommitment"/> of U in roster order:
/// length (u16 LE) ‖ its canonical statement bytes)</b>. Signatures are not part of it: the list is its content,
/// whatever valid signature carried each statement.
/// </summary>
public static class UploadList
{
    private static readonly byte[] Domain = "secagg/v2/upload-list"u8.ToArray();

    /// <summary>The list digest of <paramref name="commitments"/> (any order: they are put in roster order here).</summary>
    /// <exception cref="ArgumentException">A participant is not in the roster or has more than one commitment in the list.</exception>
    public static byte[] Digest(ConsortiumDescriptor descriptor, IEnumerable<UploadCommitment> commitments)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(commitments);
        var byIndex = new SortedDictionary<int, UploadCommitment>();
        foreach (UploadCommitment c in commitments)
        {
            int index = descriptor.IndexOf(c.ParticipantId);
            if (index < 0)
            {
                throw new ArgumentException($"Participant '{c.ParticipantId}' of an upload commitment is not in the roster.", nameof(commitments));
            }

            if (!byIndex.TryAdd(index, c))
            {
                throw new ArgumentException($"Participant '{c.ParticipantId}' has more than one upload commitment in the list.", nameof(commitments));
            }
        }

        return DigestInRosterOrder([.. byIndex.Values]);
    }

    /// <summary>The digest of commitments already in roster order, one per participant.</summary>
    internal static byte[] DigestInRosterOrder(IReadOnlyList<UploadCommitment> ordered)
    {
        var w = new ByteWriter(64 + ordered.Count * 160);
        w.Bytes(Domain);
        w.U32((uint)ordered.Count);
        foreach (UploadCommitment c in ordered)
        {
            byte[] bytes = c.Encode();
            w.U16(bytes.Length);
            w.Bytes(bytes);
        }

        return SHA256.HashData(w.WrittenSpan);
    }
}
