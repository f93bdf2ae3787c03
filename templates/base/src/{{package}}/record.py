"""What was delivered, kept so that performance can be measured once outcomes are known:
records/<run id>.json, one per run (model, rows, where they went, the score distribution)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .files import write_json


@dataclass(frozen=True)
class Delivery:
    rows: int
    location: str
    scores: np.ndarray


def write_run(records: Path, run_id: str, delivery: Delivery, facts: dict[str, Any]) -> Path:
    scores, path = delivery.scores, records / f"{run_id}.json"
    counts, edges = np.histogram(scores, bins=10, range=(0.0, 1.0))
    summary = {f"{low:.1f}-{low + 0.1:.1f}": int(n) for low, n in zip(edges, counts, strict=False)}
    facts |= {"rows": delivery.rows, "delivered_to": delivery.location, "histogram": summary}
    facts |= {"mean_score": round(float(scores.mean()), 6)} if len(scores) else {}
    write_json(path, {"run_id": run_id, "recorded_at": datetime.now(UTC).isoformat(), **facts})
    return path
