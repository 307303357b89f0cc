namespace SecAgg.Quantize.Ddg;

/// <summary>
/// Receives the DDG encoding's finished coefficients (x̃ + noise mod 2^b) of coordinates [<paramref name="start"/>,
/// start + <paramref name="coefficients"/>.Length), in order (see
/// <see cref="DdgEncoder.Encode(System.ReadOnlySpan{float}, double, System.ReadOnlySpan{byte}, SecAgg.Crypto.Ring.Sampling.Prng, System.Span{uint}, DdgPieceHandler)"/>).
/// The span is the caller's piece buffer, overwritten by the next piece and wiped when the encoding returns: consume
/// it (encrypt it) before returning.
/// </summary>
public delegate void DdgPieceHandler(int start, ReadOnlySpan<uint> coefficients);
