"""The versioned model store: every model under its version, and which one was live when.

    models/<version>/model.json       what the model learned, and the schema encoding it needs
    models/<version>/metadata.json    metrics, data, parameters, code and library versions, time
    models/promotions.jsonl           one line per promotion, oldest first

Versions are immutable: saving a version that exists keeps the first copy.
"""

import json
import platform
import subprocess
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata as packages
from pathlib import Path
from typing import Any

from .files import append_json_line, write_json
from .model import Model


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.promotions = root / "promotions.jsonl"

    def save(self, model: Model, metadata: dict[str, Any]) -> None:
        folder = self.root / model.version
        if (folder / "metadata.json").exists():
            return
        write_json(folder / "model.json", asdict(model))
        libraries = {name: packages.version(name) for name in ("numpy", "pandas", "scikit-learn")}
        saved = {"version": model.version, "saved_at": _now(), "code_version": code_version()}
        packages_used = {"python": platform.python_version(), **libraries}
        write_json(folder / "metadata.json", {**metadata, **saved, "packages": packages_used})

    def load(self, version: str) -> Model:
        return Model(**json.loads((self.root / version / "model.json").read_text()))

    def metadata(self, version: str) -> dict[str, Any]:
        return dict(json.loads((self.root / version / "metadata.json").read_text()))

    def promote(self, version: str, reasons: list[str]) -> None:
        append_json_line(
            self.promotions, {"version": version, "promoted_at": _now(), "reasons": reasons}
        )

    def history(self) -> list[dict[str, Any]]:
        lines = self.promotions.read_text().splitlines() if self.promotions.exists() else []
        return [json.loads(line) for line in lines if line.strip()]

    def live(self, at: datetime | None = None) -> str | None:
        """The version live at `at` (now by default), or None before the first promotion."""
        moment = (at or datetime.now(UTC)).isoformat()
        earlier = [entry for entry in self.history() if entry["promoted_at"] <= moment]
        return str(earlier[-1]["version"]) if earlier else None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def code_version() -> str:
    """The git commit the code is at, or "unknown" outside a repository."""
    try:
        command = ["git", "rev-parse", "--short=12", "HEAD"]
        done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"
