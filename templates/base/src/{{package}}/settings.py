"""Configuration, from the environment: nothing secret lives in the repository."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MODEL_CHOICES = ("trained", "constant")


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
    def from_env(
        cls, environ: Mapping[str, str] = os.environ, root: Path | None = None
    ) -> Settings:
        base = root or Path.cwd()

        def path(name: str, default: str) -> Path:
            return base / environ.get(name, default)

        model = environ.get("MODEL", "trained")
        if model not in MODEL_CHOICES:
            raise ConfigError(f"MODEL must be one of {', '.join(MODEL_CHOICES)}, not {model!r}")
        try:
            hurdle_auc = float(environ.get("HURDLE_AUC", "0.6"))
        except ValueError:
            raise ConfigError("HURDLE_AUC must be a number between 0.5 and 1") from None
        if not 0.5 <= hurdle_auc <= 1:
            raise ConfigError("HURDLE_AUC must be a number between 0.5 and 1")
        run_id = environ.get("RUN_ID") or None
        if run_id is not None and not RUN_ID_PATTERN.fullmatch(run_id):
            raise ConfigError("RUN_ID must be 1-64 letters, digits, dots, dashes or underscores")
        return cls(
            training_data=path("TRAINING_DATA", "data/sample/training.csv"),
            scoring_data=path("SCORING_DATA", "data/sample/customers.csv"),
            model_store=path("MODEL_STORE", "models"),
            outbox=path("OUTBOX", "outbox"),
            records=path("RECORDS", "records"),
            model=model,
            hurdle_auc=hurdle_auc,
            run_id=run_id,
        )


def new_run_id(now: datetime | None = None) -> str:
    """A run id from the time, for runs that were not given one."""
    return (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%S%fZ")
