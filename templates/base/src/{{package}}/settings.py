"""Configuration, from the environment: nothing secret lives in the repository."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

import fsspec

PATHS = {  # setting: where it is by default, below the folder the thread runs in, or a URL
    "training_data": "data/sample/training.csv",
    "scoring_data": "data/sample/scoring.csv",
    "model_store": "models",
    "outbox": "outbox",
}


class URL(str):
    """A place fsspec opens (s3://bucket/key, sftp://user@host/path): joined with / as a Path is,
    and shown without a password."""

    def __truediv__(self, name: str) -> "URL":
        return URL(self.rstrip("/") + "/" + name)

    def __str__(self) -> str:
        return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", self)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


Place = Path | URL
fsspec.config.conf.setdefault("sftp", {}).setdefault("known_hosts", ())  # checked, as ssh does


class ConfigError(ValueError):
    """A setting has a value the thread cannot use."""


@dataclass(frozen=True)
class Settings:
    training_data: Place
    scoring_data: Place
    model_store: Place
    outbox: Place
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
        root, places = root or Path.cwd(), {n: env.get(n.upper(), at) for n, at in PATHS.items()}
        return cls(
            **{name: URL(to) if "://" in to else root / to for name, to in places.items()},
            records=root / env.get("RECORDS", "records"),
            model=model or "trained",
            hurdle_auc=float(auc or 0.6),
            hurdle_r2=float(r2 or 0.1),
            run_id=run_id,
        )
