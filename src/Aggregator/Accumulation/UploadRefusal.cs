namespace SecAgg.Aggregator.Accumulation;

/// <summary>Why a chunk was refused. Each kind maps to one gRPC status (<see cref="UploadRefusals.GrpcStatusCode"/>).</summary>
public enum UploadRefusal
{
    /// <summary>The participant's upload is already counted in this round (ALREADY_EXISTS).</summary>
    Duplicate,

    /// <summary>Different bytes are already held at this chunk index: restart the upload (ALREADY_EXISTS).</summary>
    ConflictingChunk,

    /// <summary>The chunk is for an earlier round than the current one (FAILED_PRECONDITION).</summary>
    Replayed,

    /// <summary>No such round is open (a future or unknown round number) (FAILED_PRECONDITION).</summary>
    NoSuchRound,

    /// <summary>A chunk index beyond the next one expected: chunks arrive in order; ask which are held and resume (FAILED_PRECONDITION).</summary>
    OutOfOrder,

    /// <summary>The round has stopped collecting (deadline passed, or it moved on to decryption) (DEADLINE_EXCEEDED).</summary>
    Late,

    /// <summary>The upload's parameter digest or chunk count differs from the round's (INVALID_ARGUMENT).</summary>
    WrongParameters,

    /// <summary>The chunk is malformed (bad index, length or content) (INVALID_ARGUMENT).</summary>
    Malformed,

    /// <summary>The caller is not an enrolled participant (PERMISSION_DENIED).</summary>
    NotEnrolled,
}

/// <summary>Mapping of <see cref="UploadRefusal"/> to gRPC status codes (numbers from grpc/status.proto).</summary>
public static class UploadRefusals
{
    /// <summary>The gRPC status code answering a refusal of this kind.</summary>
    public static int GrpcStatusCode(this UploadRefusal refusal) => refusal switch
    {
        UploadRefusal.Duplicate or UploadRefusal.ConflictingChunk => 6, // ALREADY_EXISTS
        UploadRefusal.Replayed or UploadRefusal.NoSuchRound or UploadRefusal.OutOfOrder => 9, // FAILED_PRECONDITION
        UploadRefusal.Late => 4, // DEADLINE_EXCEEDED
        UploadRefusal.WrongParameters or UploadRefusal.Malformed => 3, // INVALID_ARGUMENT
        UploadRefusal.NotEnrolled => 7, // PERMISSION_DENIED
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "unknown refusal"),
    };
}

/// <summary>A chunk was refused; nothing the store held changed.</summary>
public sealed class UploadRefusedException(UploadRefusal refusal, string message) : Exception(message)
{
    /// <summary>Why.</summary>
    public UploadRefusal Refusal { get; } = refusal;
}
