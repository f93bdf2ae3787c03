"""The versioned model store, in a folder or at a URL: models/<version>/model.json and
metadata.json, and which model was live when: models/promotions/<time>-<version>.json, one object
per promotion, never rewritten, so that runs at once cannot spoil the history. The live model is
the one promoted last at or before a moment (by promoted_at, then object name)."""

import json
import platform
import subprocess
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata as packages
from typing import Any

import fsspec
from fsspec.core import url_to_fs

from .files import write_json
from .model import Model
from .settings import Place


class ModelStore:
    def __init__(self, root: Place) -> None:
        self.root, (self.fs, self.path) = root, url_to_fs(root)

    def save(self, model: Model, metadata: dict[str, Any]) -> None:
        """Versions are immutable: saving one that exists keeps the first copy."""
        folder = self.root / model.version
        if self.fs.exists(f"{self.path}/{model.version}/metadata.json"):
            return
        write_json(folder / "model.json", asdict(model))
        versions = {name: packages.version(name) for name in ("numpy", "pandas", "scikit-learn")}
        metadata |= {"version": model.version, "saved_at": _now(), "code_version": code_version()}
        metadata |= {"python": platform.python_version(), **versions}
        write_json(folder / "metadata.json", metadata)

    def load(self, version: str) -> Model:
        with fsspec.open(self.root / version / "model.json") as handle:
            return Model(**json.load(handle))

    def promote(self, version: str, reasons: list[str]) -> None:
        now = datetime.now(UTC)
        entry = {"version": version, "promoted_at": now.isoformat(), "reasons": reasons}
        write_json(self.root / "promotions" / f"{now:%Y%m%dT%H%M%S%fZ}-{version}.json", entry)

    def history(self) -> list[dict[str, Any]]:
        """Every promotion, oldest first (with those of promotions.jsonl, the older layout)."""
        names = sorted(self.fs.glob(f"{self.path}/promotions/*.json"))
        entries = [json.loads(text) for text in self.fs.cat(names).values()] if names else []
        if self.fs.exists(old := f"{self.path}/promotions.jsonl"):
            entries += [json.loads(line) for line in self.fs.cat(old).splitlines() if line.strip()]
        return sorted(entries, key=lambda entry: str(entry["promoted_at"]))

    def live(self, at: datetime | None = None) -> str | None:
        """The version live at `at` (now by default), or None before the first promotion."""
        moment = (at or datetime.now(UTC)).isoformat()
        earlier = [entry["version"] for entry in self.history() if entry["promoted_at"] <= moment]
        return str(earlier[-1]) if earlier else None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def code_version() -> str:
    """The git commit the code is at, or "unknown" outside a repository."""
    command = ["git", "rev-parse", "--short=12", "HEAD"]
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
