"""Configuration, from the environment: nothing secret lives in the repository."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self


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
    hurdle_auc: float = 0.6
    run_id: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, root: Path | None = None) -> Self:
        def path(name: str, default: str) -> Path:
            return (root or Path.cwd()) / env.get(name, default)

        model, hurdle, run_id = (env.get(n, "") for n in ("MODEL", "HURDLE_AUC", "RUN_ID"))
        if model not in ("", "trained", "constant"):
            raise ConfigError(f"MODEL must be trained or constant, not {model!r}")
        if not re.fullmatch(r"0\.[5-9]\d*|1|1\.0*|", hurdle):
            raise ConfigError("HURDLE_AUC must be a number from 0.5 to 1")
        if run_id and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", run_id):
            raise ConfigError("RUN_ID must be 1-64 letters, digits, dots, dashes or underscores")
        return cls(
            training_data=path("TRAINING_DATA", "data/sample/training.csv"),
            scoring_data=path("SCORING_DATA", "data/sample/scoring.csv"),
            model_store=path("MODEL_STORE", "models"),
            outbox=path("OUTBOX", "outbox"),
            records=path("RECORDS", "records"),
            model=model or "trained",
            hurdle_auc=float(hurdle or 0.6),
            run_id=run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ"),
        )
