namespace SecAgg.Participant.Tensors;

/// <summary>Element types a tensor file may hold. Values are converted to <see cref="float"/> on read.</summary>
public enum TensorDType
{
    /// <summary>IEEE 754 binary32 (safetensors <c>F32</c>, numpy <c>&lt;f4</c>).</summary>
    Float32,

    /// <summary>IEEE 754 binary16 (safetensors <c>F16</c>, numpy <c>&lt;f2</c>).</summary>
    Float16,

    /// <summary>bfloat16: the upper half of a binary32 (safetensors <c>BF16</c>; numpy has no such type).</summary>
    BFloat16,

    /// <summary>IEEE 754 binary64 (safetensors <c>F64</c>, numpy <c>&lt;f8</c>). Read only; narrowed to binary32.</summary>
    Float64,
}
