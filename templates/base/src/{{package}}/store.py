"""The versioned model store: every model under its version, and which one was live when.

    models/<version>/model.pkl        the model
    models/<version>/metadata.json    metrics, data fingerprint, parameters, code version, time
    models/promotions.jsonl           one line per promotion, oldest first

Versions are immutable: saving a version that exists keeps the first copy.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from .files import append_json_line, atomic_file, write_json
from .model import Model


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.promotions = root / "promotions.jsonl"

    def save(self, model: Model, metadata: dict[str, Any]) -> None:
        folder = self.root / model.version
        if (folder / "metadata.json").exists():
            return
        with atomic_file(folder / "model.pkl") as handle:
            pickle.dump(model, handle, protocol=4)
        saved = {
            "version": model.version,
            "saved_at": _now(),
            "code_version": code_version(),
            "packages": package_versions(),
        }
        write_json(folder / "metadata.json", {**metadata, **saved})

    def load(self, version: str) -> Model:
        with (self.root / version / "model.pkl").open("rb") as handle:
            model: Model = pickle.load(handle)  # only ever files this store wrote
        return model

    def metadata(self, version: str) -> dict[str, Any]:
        metadata: dict[str, Any] = json.loads((self.root / version / "metadata.json").read_text())
        return metadata

    def promote(self, version: str, reasons: list[str]) -> None:
        append_json_line(
            self.promotions, {"version": version, "promoted_at": _now(), "reasons": reasons}
        )

    def history(self) -> list[dict[str, Any]]:
        if not self.promotions.exists():
            return []
        lines = self.promotions.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def live(self, at: datetime | None = None) -> str | None:
        """The version live at `at` (now by default), or None before the first promotion."""
        moment = (at or datetime.now(timezone.utc)).isoformat()
        earlier = [entry for entry in self.history() if entry["promoted_at"] <= moment]
        return earlier[-1]["version"] if earlier else None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def code_version() -> str:
    """The git commit the code is at, or "unknown" outside a repository."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() or "unknown"


def package_versions() -> dict[str, str]:
    """The versions a model was made with: a pickle loads safely only under the same ones."""
    versions = {"python": platform.python_version()}
    for name in ("numpy", "pandas", "scikit-learn"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions
