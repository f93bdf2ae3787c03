"""Configuration, from the environment: nothing secret lives in the repository."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class ConfigError(ValueError):
    """A setting has a value the thread cannot use."""


@dataclass(frozen=True)
class Settings:
    training_data: Path
    scoring_data: Path
    model_store: Path
    outbox: Path
    records: Path
    model: str
    hurdle_auc: float
    run_id: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, root: Path | None = None) -> Self:
        def path(name: str, default: str) -> Path:
            return (root or Path.cwd()) / env.get(name, default)

        model, run_id = env.get("MODEL", "trained"), env.get("RUN_ID") or None
        if model not in ("trained", "constant"):
            raise ConfigError(f"MODEL must be trained or constant, not {model!r}")
        try:
            hurdle_auc = float(env.get("HURDLE_AUC", "0.6"))
        except ValueError:
            hurdle_auc = -1
        if not 0.5 <= hurdle_auc <= 1:
            raise ConfigError("HURDLE_AUC must be a number from 0.5 to 1")
        if run_id is not None and not RUN_ID.fullmatch(run_id):
            raise ConfigError("RUN_ID must be 1-64 letters, digits, dots, dashes or underscores")
        return cls(
            training_data=path("TRAINING_DATA", "data/sample/training.csv"),
            scoring_data=path("SCORING_DATA", "data/sample/scoring.csv"),
            model_store=path("MODEL_STORE", "models"),
            outbox=path("OUTBOX", "outbox"),
            records=path("RECORDS", "records"),
            model=model,
            hurdle_auc=hurdle_auc,
            run_id=run_id,
        )


def new_run_id(now: datetime | None = None) -> str:
    """A run id from the time, for runs that were not given one."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
