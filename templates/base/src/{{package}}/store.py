"""The versioned model store: models/<version>/model.json and metadata.json, and which model
was live when: models/promotions.jsonl, one line per promotion, oldest first."""

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
        self.root, self.promotions = root, root / "promotions.jsonl"

    def save(self, model: Model, metadata: dict[str, Any]) -> None:
        """Versions are immutable: saving one that exists keeps the first copy."""
        folder = self.root / model.version
        if (folder / "metadata.json").exists():
            return
        write_json(folder / "model.json", asdict(model))
        versions = {name: packages.version(name) for name in ("numpy", "pandas", "scikit-learn")}
        metadata |= {"version": model.version, "saved_at": _now(), "code_version": code_version()}
        metadata |= {"python": platform.python_version(), **versions}
        write_json(folder / "metadata.json", metadata)

    def load(self, version: str) -> Model:
        return Model(**json.loads((self.root / version / "model.json").read_text()))

    def promote(self, version: str, reasons: list[str]) -> None:
        entry = {"version": version, "promoted_at": _now(), "reasons": reasons}
        append_json_line(self.promotions, entry)

    def history(self) -> list[dict[str, Any]]:
        lines = self.promotions.read_text().splitlines() if self.promotions.exists() else []
        return [json.loads(line) for line in lines if line.strip()]

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
