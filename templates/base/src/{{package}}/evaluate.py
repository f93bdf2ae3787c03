"""Held-out evaluation and the promotion gate.

A trained model is promoted only when, on the same held-out rows, it beats the naive baseline
(the constant model), reaches the hurdle rate set up front, and does no worse than the model
that is live now.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
from sklearn.metrics import roc_auc_score

from .data import ENTITY, LABEL
from .model import Model

HELD_OUT_PERCENT = 25


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and held-out rows, by a hash of the entity id: stable across runs and versions."""
    bucket = frame[ENTITY].map(lambda entity: hashlib.sha256(entity.encode()).digest()[0] % 100)
    held_out = bucket < HELD_OUT_PERCENT
    return frame[~held_out], frame[held_out]


def auc(model: Model, held_out: pd.DataFrame) -> float:
    return round(float(roc_auc_score(held_out[LABEL], model.score(held_out))), 4)


def top_decile_rate(model: Model, held_out: pd.DataFrame) -> float:
    """The buying rate in the top tenth of scores: what a team working down the list sees."""
    tenth = max(1, len(held_out) // 10)
    top = held_out.assign(score=model.score(held_out)).nlargest(tenth, "score")
    return round(float(top[LABEL].mean()), 4)


@dataclass(frozen=True)
class Decision:
    promote: bool
    reasons: list[str]


def gate(
    candidate_auc: float, baseline_auc: float, live_auc: float | None, hurdle_auc: float
) -> Decision:
    checks = [
        (candidate_auc > baseline_auc, f"AUC {candidate_auc} vs naive baseline {baseline_auc}"),
        (candidate_auc >= hurdle_auc, f"AUC {candidate_auc} vs hurdle rate {hurdle_auc}"),
    ]
    if live_auc is not None:
        checks.append((candidate_auc >= live_auc, f"AUC {candidate_auc} vs live model {live_auc}"))
    reasons = [f"{'pass' if passed else 'FAIL'}: {what}" for passed, what in checks]
    return Decision(promote=all(passed for passed, _ in checks), reasons=reasons)
