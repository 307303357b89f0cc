namespace SecAgg.Participant.Client;

/// <summary>
/// The state directory's file of an upload's encrypted chunks (<c>upload-round-R.chunks</c>), kept so that a restarted
/// participant resumes the same ciphertexts instead of encrypting new ones: the chunk count, then each chunk as its
/// length and bytes (32-bit little-endian integers).
/// </summary>
internal static class ChunkFile
{
    /// <summary>The file name for a round.</summary>
    public static string Name(ulong round) => $"upload-round-{round}.chunks";

    /// <summary>Encodes chunks.</summary>
    public static byte[] Join(IReadOnlyList<byte[]> chunks)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(chunks.Count);
            foreach (byte[] c in chunks)
            {
                writer.Write(c.Length);
                writer.Write(c);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Decodes chunks.</summary>
    /// <exception cref="InvalidDataException">The file is truncated.</exception>
    public static List<byte[]> Split(byte[] data)
    {
        using var reader = new BinaryReader(new MemoryStream(data));
        try
        {
            int count = reader.ReadInt32();
            var chunks = new List<byte[]>(count);
            for (int i = 0; i < count; i++)
            {
                int length = reader.ReadInt32();
                byte[] c = reader.ReadBytes(length);
                if (c.Length != length)
                {
                    throw new EndOfStreamException();
                }

                chunks.Add(c);
            }

            return chunks;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("A stored chunk file of the state directory is truncated; delete it to start the upload afresh.", e);
        }
    }
}
