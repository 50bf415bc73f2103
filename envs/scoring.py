"""Score rules: how an episode's return or success becomes a score in [0, 1]."""

from __future__ import annotations

import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class ScoreRule:
    """How an episode's score in [0, 1] is computed at its last step.

    kind="return": clip((R - low) / (high - low), 0, 1) for the episode return R.
    kind="success": the task's success flag at the last step.
    """

    kind: str
    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("return", "success"):
            raise ValueError(f"unknown score kind {self.kind!r}; accepted: 'return', 'success'")
        if self.kind == "return" and not self.high > self.low:
            raise ValueError(f"score bounds must satisfy high > low, got low={self.low}, high={self.high}")

    def __call__(self, episode_return: float, success: float) -> float:
        if self.kind == "success":
            return 0.0 if math.isnan(success) else float(success)
        return float(min(max((episode_return - self.low) / (self.high - self.low), 0.0), 1.0))


def return_score(high: float, low: float = 0.0) -> ScoreRule:
    """clip((R - low) / (high - low), 0, 1)."""
    return ScoreRule("return", low, high)


SUCCESS_SCORE = ScoreRule("success")
