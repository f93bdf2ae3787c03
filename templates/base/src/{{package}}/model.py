"""Two models behind one interface: the constant day-one model and a trained scikit-learn one.

A model's version is derived from its content, so the same data and code give the same version.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from .data import FEATURES, LABEL, Category

SEED = 0


class Model(Protocol):
    """What the thread needs of a model: a version, and scores in [0, 1] for a frame of features."""

    @property
    def version(self) -> str: ...

    def score(self, features: pd.DataFrame) -> np.ndarray: ...


def content_version(prefix: str, model: object) -> str:
    payload = pickle.dumps(model, protocol=4)
    return f"{prefix}-{hashlib.sha256(payload).hexdigest()[:12]}"


@dataclass(frozen=True)
class ConstantModel:
    """The walking skeleton's model: every customer gets one score, the rate seen in training."""

    rate: float

    @classmethod
    def from_training(cls, training: pd.DataFrame) -> ConstantModel:
        return cls(rate=round(float(training[LABEL].mean()), 4))

    @property
    def version(self) -> str:
        return content_version("constant", self.rate)

    def score(self, features: pd.DataFrame) -> np.ndarray:
        return np.full(len(features), self.rate)


@dataclass(frozen=True)
class TrainedModel:
    """A logistic regression on scaled numbers and one-hot codes, versioned when trained."""

    pipeline: Pipeline
    version: str

    def score(self, features: pd.DataFrame) -> np.ndarray:
        return self.pipeline.predict_proba(features)[:, 1]


PARAMETERS = {"C": 1.0, "max_iter": 1000}


def encode(frame: pd.DataFrame) -> np.ndarray:
    """Numbers as they are, each category as one column per known code (data.py's codes).

    The codes are fixed by the data contract, so nothing needs fitting, and a plain function is
    far quicker per call than a ColumnTransformer: it matters when the API scores one row.
    """
    columns = [
        (frame[f.name].to_numpy()[:, None] == np.array(f.codes)).astype(float)
        if isinstance(f, Category)
        else frame[f.name].to_numpy(dtype=float)[:, None]
        for f in FEATURES
    ]
    return np.hstack(columns)


def train(training: pd.DataFrame) -> TrainedModel:
    """Deterministic: no randomness beyond the fixed seed, so the same data gives the same model."""
    pipeline = Pipeline(
        [
            ("encode", FunctionTransformer(encode)),
            ("scale", StandardScaler()),
            ("classifier", LogisticRegression(random_state=SEED, **PARAMETERS)),
        ]
    )
    pipeline.fit(training, training[LABEL])
    return TrainedModel(pipeline, content_version("logreg", pipeline))
