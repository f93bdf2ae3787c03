"""CSV drop: a ranked list for people to work through, delivered so nobody reads half a file.

    outbox/predictions-<run id>.csv            highest score first, ties by customer id
    outbox/predictions-<run id>.manifest.json  written last: rows, sha256, columns, model, run
    outbox/.partial/                           files being written; consumers never read here

The CSV is written to .partial/, synced and renamed into outbox/; the manifest follows the same
way, so a consumer that waits for the manifest always finds the whole CSV it describes. The same
run id gives the same bytes, so re-running a run replaces its drop with an identical one.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Sequence
from typing import IO

import numpy as np
import pandas as pd

from .data import ENTITY, repeated_ids
from .files import atomic_file, write_json
from .model import Model
from .record import Delivery, ScoreSummary
from .settings import Settings

COLUMNS = ("rank", ENTITY, "score", "model_version", "run_id")
SCORE_DECIMALS = 6
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_WRITE = 50_000
COMMANDS: dict[str, Callable[[Settings], int]] = {}


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula gets an apostrophe in front, showing it as text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def deliver(
    model: Model, customers: Iterable[pd.DataFrame], settings: Settings, run_id: str
) -> Delivery:
    ids, scores = _score(model, customers)
    repeated = _repeated(ids)
    if repeated:
        raise repeated_ids(settings.scoring_data, repeated)
    order = np.lexsort((ids, -scores))
    name = f"predictions-{run_id}"
    staging = settings.outbox / ".partial"
    drop = settings.outbox / f"{name}.csv"
    with atomic_file(drop, staging) as handle:
        sha256 = _write_ranked(handle, ids, scores, order, model.version, run_id)
    manifest = {
        "file": drop.name,
        "rows": len(ids),
        "sha256": sha256,
        "columns": list(COLUMNS),
        "model_version": model.version,
        "run_id": run_id,
    }
    write_json(settings.outbox / f"{name}.manifest.json", manifest, staging)
    summary = ScoreSummary()
    summary.add(scores)
    return Delivery(rows=len(ids), location=str(drop), scores=summary)


def _score(model: Model, customers: Iterable[pd.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """Ids and rounded scores, chunk by chunk: only these two columns are kept for the ranking.

    Ids are kept as UTF-8 bytes: a quarter of the memory of numpy's fixed-width text, and they
    sort in the same order.
    """
    ids: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for chunk in customers:
        ids.append(chunk[ENTITY].str.encode("utf-8").to_numpy(dtype=bytes))
        scores.append(np.round(model.score(chunk), SCORE_DECIMALS))
    if not ids:
        return np.array([], dtype=bytes), np.array([], dtype=float)
    return np.concatenate(ids), np.concatenate(scores)


def _repeated(ids: np.ndarray) -> list[str]:
    """Ids that appear more than once: chunks were checked one at a time; a ranking needs all."""
    ordered = np.sort(ids)
    same_as_next = ordered[1:] == ordered[:-1]
    return [entity.decode() for entity in np.unique(ordered[1:][same_as_next])]


def _write_ranked(
    handle: IO[bytes],
    ids: np.ndarray,
    scores: np.ndarray,
    order: np.ndarray,
    version: str,
    run_id: str,
) -> str:
    """Writes the rows in `order`, block by block, and returns the sha256 of the bytes written."""
    digest = hashlib.sha256()

    def write(rows: Iterable[Sequence[object]]) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        block = text.getvalue().encode("utf-8")
        digest.update(block)
        handle.write(block)

    write([COLUMNS])
    version, run_id = neutralise(version), neutralise(run_id)
    for start in range(0, len(order), ROWS_PER_WRITE):
        block = order[start : start + ROWS_PER_WRITE]
        write(
            (
                start + n + 1,
                neutralise(entity.decode()),
                f"{score:.{SCORE_DECIMALS}f}",
                version,
                run_id,
            )
            for n, (entity, score) in enumerate(zip(ids[block], scores[block], strict=True))
        )
    return digest.hexdigest()
