using SecAgg.Crypto.Multiparty;
using SecAgg.Quantize.Ddg;
using Xunit;

namespace SecAgg.Protocol.Tests;

/// <summary>The real (planned) preset is sized for what participants encrypt: the rotation-padded model.</summary>
public sealed class PlannedPresetTests
{
    [Theory]
    [InlineData(10, 1_000_000)]
    [InlineData(20, 1_000_000)]
    [InlineData(10, 100_000)]
    public void PlannedPresetHoldsThePaddedModelWithoutASpilledCiphertext(int parties, int dimension)
    {
        ProtocolPreset preset = ProtocolPresets.Planned(parties, parties, dimension);
        int padded = DdgParameters.PaddedDimensionFor(dimension);
        int perCiphertext = preset.Scheme.ValuesPerCiphertext;
        int chunks = (padded + perCiphertext - 1) / perCiphertext;

        // The last ciphertext is at least half full: planning for d instead of d' used to leave 2^20 - 10^6 values
        // in a second ciphertext of the same size (twice the bytes for 5% more values).
        Assert.True(padded - ((chunks - 1) * (long)perCiphertext) >= perCiphertext / 2, $"{chunks} ciphertexts of {perCiphertext} values for {padded} padded values");
    }

    [Fact]
    public void PlannedUploadForTenPartiesAndAMillionValuesIsWithinThreeTimesTheQuantizedPayload()
    {
        ProtocolPreset preset = ProtocolPresets.Planned(10, 10, 1_000_000);
        int padded = DdgParameters.PaddedDimensionFor(1_000_000);
        int chunks = (padded + preset.Scheme.ValuesPerCiphertext - 1) / preset.Scheme.ValuesPerCiphertext;
        long uploadBytes = (long)chunks * preset.He.CiphertextBytes;
        double quantizedBytes = 1_000_000 * 16 / 8.0;
        Assert.True(uploadBytes <= 3 * quantizedBytes, $"upload {uploadBytes} B = {uploadBytes / quantizedBytes:F2}x the 16-bit payload");
    }

    [Fact]
    public void PaddedDimensionForMatchesTheEncodersLayout()
    {
        foreach (int d in new[] { 1, 31, 1000, 100_000, 1_000_000, 10_000_000 })
        {
            var ddg = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = 10, Dimension = d, ClipNorm = 1.0, NoiseMultiplier = 1.0 });
            Assert.Equal(ddg.PaddedDimension, DdgParameters.PaddedDimensionFor(d));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => DdgParameters.PaddedDimensionFor(0));
    }
}
