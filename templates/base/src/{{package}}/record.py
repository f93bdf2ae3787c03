"""What was delivered, kept so the model's performance can be measured later.

records/<run id>.json    one record per run: model, rows, score distribution, where it went
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .files import write_json

BINS = 10


@dataclass
class ScoreSummary:
    """A score distribution built chunk by chunk: count, mean, range and a histogram over [0, 1]."""

    count: int = 0
    total: float = 0.0
    low: float = 1.0
    high: float = 0.0
    histogram: list[int] = field(default_factory=lambda: [0] * BINS)

    def add(self, scores: np.ndarray) -> None:
        if len(scores) == 0:
            return
        self.count += len(scores)
        self.total += float(scores.sum())
        self.low = min(self.low, float(scores.min()))
        self.high = max(self.high, float(scores.max()))
        counts, _ = np.histogram(scores, bins=BINS, range=(0.0, 1.0))
        self.histogram = [a + int(b) for a, b in zip(self.histogram, counts, strict=True)]

    def as_dict(self) -> dict[str, Any]:
        mean = self.total / self.count if self.count else None
        return {
            "count": self.count,
            "mean": None if mean is None else round(mean, 6),
            "min": round(self.low, 6) if self.count else None,
            "max": round(self.high, 6) if self.count else None,
            "histogram": {
                f"{i / BINS:.1f}-{(i + 1) / BINS:.1f}": n for i, n in enumerate(self.histogram)
            },
        }


@dataclass(frozen=True)
class Delivery:
    """What a delivery form hands back: how many rows went where, and their scores."""

    rows: int
    location: str
    scores: ScoreSummary


def write_run(records: Path, run_id: str, facts: dict[str, Any]) -> Path:
    path = records / f"{run_id}.json"
    recorded_at = datetime.now(timezone.utc).isoformat()
    write_json(path, {"run_id": run_id, "recorded_at": recorded_at, **facts})
    return path
