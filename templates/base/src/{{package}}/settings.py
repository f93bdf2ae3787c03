"""Configuration, from the environment: nothing secret lives in the repository."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

PATHS = {  # setting: where it is by default, below the folder the thread runs in
    "training_data": "data/sample/training.csv",
    "scoring_data": "data/sample/scoring.csv",
    "model_store": "models",
    "outbox": "outbox",
    "records": "records",
}


class ConfigError(ValueError):
    """A setting has a value the thread cannot use."""


@dataclass(frozen=True)
class Settings:
    training_data: Path
    scoring_data: Path
    model_store: Path
    outbox: Path
    records: Path
    model: str = "trained"
    hurdle_auc: float = 0.6  # binary labels: the least held-out AUC to promote
    hurdle_r2: float = 0.1  # numeric labels: the least held-out R²
    run_id: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, root: Path | None = None) -> Self:
        model, auc, r2 = (env.get(name, "") for name in ("MODEL", "HURDLE_AUC", "HURDLE_R2"))
        run_id = env.get("RUN_ID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        if model not in ("", "trained", "constant"):
            raise ConfigError(f"MODEL must be trained or constant, not {model!r}")
        if not re.fullmatch(r"0\.[5-9]\d*|1(\.0*)?|", auc):
            raise ConfigError("HURDLE_AUC must be a number from 0.5 to 1")
        if not re.fullmatch(r"0(\.\d*)?|1(\.0*)?|", r2):
            raise ConfigError("HURDLE_R2 must be a number from 0 to 1")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", run_id):
            raise ConfigError("RUN_ID must be 1-64 letters, digits, dots, dashes or underscores")
        return cls(
            **{
                name: (root or Path.cwd()) / env.get(name.upper(), at) for name, at in PATHS.items()
            },
            model=model or "trained",
            hurdle_auc=float(auc or 0.6),
            hurdle_r2=float(r2 or 0.1),
            run_id=run_id,
        )
