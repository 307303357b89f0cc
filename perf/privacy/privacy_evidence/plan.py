"""The sizes of a run: --quick (CI: the verdicts, a few minutes) and the full run behind docs/privacy-evidence.md."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AggregateConfig:
    """One consortium whose released rounds are attacked: `hospitals` each hand in one digit per round.
    DP: `target_epsilon` over `planned_rounds` (the product finds z), or a fixed `noise_multiplier`."""
    label: str
    hospitals: int
    trials: int
    target_epsilon: float = None
    planned_rounds: int = 1
    noise_multiplier: float = None
    plaintext_twin: bool = True  # also attack plaintext FedAvg of the same updates (once per k is enough)


@dataclass(frozen=True)
class Plan:
    name: str
    raw_batches: tuple
    raw_trials: int
    effort: float
    aggregates: tuple
    mi_hospitals: int
    mi_rounds: int
    mi_dp_targets: int
    mi_plaintext_targets: int
    mi_shadows: int
    float_samples: int
    chance_repetitions: int
    parallel: int = 2
    lr: float = 1.0               # the digits hospitals' local learning rate (one SGD step)
    clip: float = 1.0             # consortium clip norm c for the digits model (the CLI's default)
    delta: float = 1e-5
    mi_epochs: int = 50
    mi_lr: float = 0.5
    mi_clip: float = 0.25         # the demo's clip
    mi_target_epsilon: float = 8  # the demo's epsilon, over mi_rounds rounds
    mi_member_fraction: float = 0.25
    float_sigma: float = 4.530877117  # epsilon = 1 at delta = 1e-6 for sensitivity 1 (privacy.md known answer)
    seed: int = 2026
    notes: dict = field(default_factory=dict)


CONTROL_Z = 0.001  # a control with almost no noise: shows the attack pipeline reads the product's output correctly

QUICK = Plan(
    name="quick",
    raw_batches=(1,),
    raw_trials=3,
    effort=0.5,
    aggregates=(
        AggregateConfig("eps8-k2", hospitals=2, trials=1, target_epsilon=8),
        AggregateConfig("control-k2", hospitals=2, trials=2, noise_multiplier=CONTROL_Z),
    ),
    mi_hospitals=5,
    mi_rounds=5,
    mi_dp_targets=1,
    mi_plaintext_targets=32,
    mi_shadows=64,
    float_samples=200_000,
    chance_repetitions=2000,
)

FULL = Plan(
    name="full",
    raw_batches=(1, 4, 16),
    raw_trials=4,
    effort=1.0,
    aggregates=(
        AggregateConfig("control-k2", hospitals=2, trials=2, noise_multiplier=CONTROL_Z),
        AggregateConfig("control-k4", hospitals=4, trials=2, noise_multiplier=CONTROL_Z),
        AggregateConfig("eps4096-k4", hospitals=4, trials=2, target_epsilon=4096, plaintext_twin=False),
        AggregateConfig("eps512-k4", hospitals=4, trials=2, target_epsilon=512, plaintext_twin=False),
        AggregateConfig("eps64-k4", hospitals=4, trials=2, target_epsilon=64, plaintext_twin=False),
        AggregateConfig("eps8-k2", hospitals=2, trials=2, target_epsilon=8),
        AggregateConfig("eps8-k4", hospitals=4, trials=2, target_epsilon=8),
        AggregateConfig("eps8-k8", hospitals=8, trials=2, target_epsilon=8),
        AggregateConfig("eps1-k4", hospitals=4, trials=2, target_epsilon=1, plaintext_twin=False),
        AggregateConfig("demo-k4", hospitals=4, trials=2, target_epsilon=8, planned_rounds=10, plaintext_twin=False),
    ),
    mi_hospitals=5,
    mi_rounds=5,
    mi_dp_targets=4,
    mi_plaintext_targets=32,
    mi_shadows=64,
    float_samples=1_000_000,
    chance_repetitions=2000,
)
