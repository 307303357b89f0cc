"""The floating-point attack of seed 000 (Mironov 2012; Haney et al. 2022 for the addition): a textbook float64
Gaussian mechanism M(x) = x + N(0, sigma^2) leaks x through the bits of its output, whatever sigma is.

Support argument for adjacent inputs 0 and 1 (sensitivity 1): an output o of M(1) with |o| < 1/2 is
fl(1 + n) for a noise value n in (-3/2, -1/2); such n is a multiple of 2^-53 (|n| >= 1/2), so 1 + n is a
multiple of 2^-53 of magnitude below 1/2, hence exact: supp M(1) ∩ (-1/2, 1/2) ⊆ 2^-53·Z. M(0) outputs the
noise itself, which near 0 has finer bits. The event S = {|o| < 1/2 and o not a multiple of 2^-53} has
probability 0 under M(1) and a few percent under M(0): one output in S proves x = 0, so no (epsilon, delta)
with delta below P0(S) holds, for any epsilon, although the accountant says epsilon = 1.

The product never reaches this: its noise is an integer drawn by integer arithmetic and added to the rounded
integer update (both integers), so for every integer input the output's support is all of Z; the
aggregator's float decoding acts on the noisy integer sum only (post-processing). The C# test
NoiseAdditionIntegerPathTests fails if a float enters the sampler or the noise addition.
"""
import math

import numpy as np

GRID = 2.0 ** -53


def in_leaky_event(outputs):
    """S: |o| < 1/2 and o not a multiple of 2^-53 (impossible for M(1), see the module's argument)."""
    small = np.abs(outputs) < 0.5
    return small & (np.mod(outputs, GRID) != 0)


def lowest_bit_exponent(outputs):
    """e with o = m * 2^e, m odd (the granularity of each output; -inf for 0)."""
    mantissa, exponent = np.frexp(outputs)
    bits = (mantissa * 2.0 ** 53).astype(np.int64)
    zeros = np.zeros_like(bits)
    nz = bits != 0
    trailing = np.where(nz, np.log2((bits & -bits).astype(np.float64)), zeros).astype(np.int64)
    return np.where(nz, exponent - 53 + trailing, np.iinfo(np.int64).min)


def run(samples, sigma, seed):
    """Draws `samples` outputs of M(0) and of M(1) with numpy's float64 normal (a textbook implementation)."""
    rng = np.random.default_rng(seed)
    out0 = 0.0 + rng.normal(0.0, sigma, samples)
    out1 = 1.0 + rng.normal(0.0, sigma, samples)
    s0, s1 = in_leaky_event(out0), in_leaky_event(out1)
    window0 = np.abs(out0) < 0.5
    window1 = np.abs(out1) < 0.5
    return {
        "mechanism": "x + numpy.random.Generator.normal(0, sigma) in float64",
        "sigma": sigma,
        "samples_per_input": samples,
        "gaussian_epsilon_at_delta_1e-6": gaussian_epsilon(sigma, 1.0, 1e-6),
        "p0_event": float(s0.mean()),
        "p1_event": float(s1.mean()),
        "hits0": int(s0.sum()),
        "hits1": int(s1.sum()),
        "granularity0": histogram(lowest_bit_exponent(out0[window0])),
        "granularity1": histogram(lowest_bit_exponent(out1[window1])),
    }


def histogram(exponents):
    values, counts = np.unique(exponents, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts)}


def gaussian_epsilon(sigma, sensitivity, delta):
    """The accountant's claim for this mechanism: RDP alpha * Delta^2 / (2 sigma^2) converted as in privacy.md."""
    best = math.inf
    for alpha in [1 + x / 100 for x in range(1, 100)] + list(range(2, 257)):
        rdp = alpha * sensitivity ** 2 / (2 * sigma ** 2)
        eps = rdp + math.log1p(-1 / alpha) - (math.log(delta) + math.log(alpha)) / (alpha - 1)
        best = min(best, eps)
    return best
