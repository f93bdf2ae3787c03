"""The model, kept as JSON of what it learned (it loads and scores without scikit-learn), and
the day-one constant model: no weights, every row scores the training rate (or mean). A binary
label gets a logistic regression scored by its AUC, a numeric one a linear regression by R²."""

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

from .schema import Schema

PARAMETERS = {"C": 1.0, "max_iter": 1000, "random_state": 0}


class SchemaMismatchError(Exception):
    """A model meets rows of another schema than the one it was trained on."""


@dataclass(frozen=True)
class Model:
    kind: str
    intercept: float
    encoding: list[dict[str, Any]]
    numbers: dict[str, float] = field(default_factory=dict)
    codes: dict[str, dict[str, float]] = field(default_factory=dict)
    data_fingerprint: str = ""
    link: str = "logistic"  # how a weighted sum becomes a score: a probability, or "identity"

    @classmethod
    def constant(cls, training: pd.DataFrame, schema: Schema) -> Self:
        mean = float(training[schema.label].mean())
        if not schema.binary:
            return cls("constant", _round(mean), schema.encoding(), link="identity")
        rate = min(max(mean, 1e-4), 1 - 1e-4)
        return cls("constant", _round(math.log(rate / (1 - rate))), schema.encoding())

    @property
    def version(self) -> str:
        digest = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()
        return f"{self.kind}-{digest[:12]}"

    def score(self, rows: pd.DataFrame) -> np.ndarray:
        logit = np.full(len(rows), self.intercept)
        for name, weight in self.numbers.items():
            logit += weight * rows[name].to_numpy(dtype=float)
        for name, weights in self.codes.items():
            logit += rows[name].map(weights).to_numpy(dtype=float)
        return np.asarray(1 / (1 + np.exp(-logit))) if self.link == "logistic" else logit

    def score_one(self, row: Mapping[str, Any]) -> float:
        """One row in plain Python, with no frame to build: the API's case."""
        logit = self.intercept + sum(w * row[name] for name, w in self.numbers.items())
        logit += sum(weights[row[name]] for name, weights in self.codes.items())
        return 1 / (1 + math.exp(-logit)) if self.link == "logistic" else logit

    def check(self, schema: Schema) -> None:
        """Refuses rows of a schema this model was not trained on."""
        was, now = ({f["name"]: f for f in e} for e in (self.encoding, schema.encoding()))
        changed = sorted(n for n in was.keys() | now.keys() if was.get(n) != now.get(n))
        if changed:
            raise SchemaMismatchError(
                f"model {self.version} was trained on another schema (changed: "
                f"{', '.join(changed)}): retrain it (`make thread` promotes a new model that "
                "passes the gate), or use MODEL=constant"
            )


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def train(training: pd.DataFrame, schema: Schema, data_fingerprint: str) -> Model:
    """Deterministic: a fixed seed and rounded weights, so the same data gives the same model."""
    columns = {  # numbers as they are, and a 0/1 column per code
        f"{f.name}={c}" if c else f.name: training[f.name] == c if c else training[f.name]
        for f in schema.features
        for c in f.codes or ("",)
    }
    encoded = pd.DataFrame(columns).astype(float)
    scaler = StandardScaler().fit(encoded)
    learner = LogisticRegression(**PARAMETERS) if schema.binary else LinearRegression()
    fitted = learner.fit(scaler.transform(encoded), training[schema.label])
    weights = dict(zip(encoded.columns, np.ravel(fitted.coef_) / scaler.scale_, strict=True))
    intercept = np.ravel(fitted.intercept_)[0] - float(np.dot(list(weights.values()), scaler.mean_))
    numbers = {f.name: _round(weights[f.name]) for f in schema.features if not f.codes}
    coded = [f for f in schema.features if f.codes]
    codes = {f.name: {c: _round(weights[f"{f.name}={c}"]) for c in f.codes} for f in coded}
    kind, link = ("logistic", "logistic") if schema.binary else ("linear", "identity")
    return Model(kind, _round(intercept), schema.encoding(), numbers, codes, data_fingerprint, link)


def split(frame: pd.DataFrame, schema: Schema) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A quarter held out, by a hash of the entity id: the same split on every run and release."""
    held_out = frame[schema.entity].map(lambda e: hashlib.sha256(e.encode()).digest()[0] % 4 == 0)
    return frame[~held_out], frame[held_out]


def evaluate(model: Model, held_out: pd.DataFrame, schema: Schema) -> float:
    """The held-out AUC, or R² for a numeric label: higher is better for both."""
    judge = roc_auc_score if schema.binary else r2_score
    return round(float(judge(held_out[schema.label], model.score(held_out))), 4)


def gate(
    candidate: float, baseline: float, live: float | None, hurdle: float, metric: str = "auc"
) -> list[str]:
    """Why to promote or not: better than the constant baseline, at least the hurdle rate set
    up front, no worse than the live model. Promote when none of the reasons is a FAIL."""
    checks = [(candidate > baseline, "naive baseline", baseline)]
    checks += [(candidate >= hurdle, "hurdle rate", hurdle)]
    checks += [(candidate >= live, "live model", live)] if live is not None else []
    return [
        f"{'pass' if ok else 'FAIL'}: {metric.upper()} {candidate} vs {what} {value}"
        for ok, what, value in checks
    ]
