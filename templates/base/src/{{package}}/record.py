"""What was delivered, kept so the model's performance can be measured later.

records/<run id>.json    one record per run: model, rows, score distribution, where it went
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .files import write_json


@dataclass(frozen=True)
class Delivery:
    """What a delivery form hands back: how many rows went where, and their scores."""

    rows: int
    location: str
    scores: np.ndarray


def write_run(records: Path, run_id: str, delivery: Delivery, facts: dict[str, Any]) -> Path:
    scores = delivery.scores
    counts, _ = np.histogram(scores, bins=10, range=(0.0, 1.0))
    stats = {"mean": scores.mean(), "min": scores.min(), "max": scores.max()} if len(scores) else {}
    summary = {
        "count": len(scores),
        **{name: round(float(value), 6) for name, value in stats.items()},
        "histogram": {f"{i / 10:.1f}-{(i + 1) / 10:.1f}": int(n) for i, n in enumerate(counts)},
    }
    path = records / f"{run_id}.json"
    recorded_at = datetime.now(UTC).isoformat()
    facts = {**facts, "rows": delivery.rows, "delivered_to": delivery.location, "scores": summary}
    write_json(path, {"run_id": run_id, "recorded_at": recorded_at, **facts})
    return path
