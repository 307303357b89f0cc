using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Benchmarks.Participant;

/// <summary>A participant's DDG encode at d = 10^6 (b = 16, 10 participants, z = 1) with a weight factor of 0.75: the
/// encoder, a fixed update, a touched destination and a secure stream.</summary>
internal sealed class DdgEncodeInput : IDisposable
{
    private readonly DdgEncoder _encoder;
    private readonly float[] _update;
    private readonly uint[] _coefficients;
    private readonly Prng _rng = Prng.CreateSecure();
    private readonly byte[] _roundSeed = new byte[32];

    public DdgEncodeInput()
    {
        DdgParameters ddg = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 10, Dimension = 1_000_000, NoiseMultiplier = 1 });
        _encoder = new DdgEncoder(ddg);
        _update = new float[ddg.Dimension];
        for (int i = 0; i < _update.Length; i++)
        {
            _update[i] = (float)Math.Sin(i);
        }

        _coefficients = new uint[ddg.PaddedDimension];
        Array.Fill(_coefficients, 1u); // touched: an encode measures code, not page faults
    }

    /// <summary>One encode on one core; returns a coefficient.</summary>
    public long Encode()
    {
        _encoder.Encode(_update, 0.75, _roundSeed, _rng, _coefficients);
        return _coefficients[0];
    }

    public void Dispose() => _rng.Dispose();
}
