"""CSV drop: a ranked list for people to work through, delivered so nobody reads half a file.

    outbox/predictions-<run id>.csv            highest score first, ties by entity id
    outbox/predictions-<run id>.manifest.json  written last: rows, sha256, columns, model, run
    outbox/.partial/                           files being written; consumers never read here

The CSV is written to .partial/, synced and renamed into outbox/; the manifest follows the same
way, so a consumer that waits for the manifest always finds the whole CSV it describes. The same
run id gives the same bytes, so re-running a run replaces its drop with an identical one.
"""

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from typing import IO, Any

import numpy as np
import pandas as pd

from .data import repeated_ids
from .files import atomic_file, write_json
from .model import Model
from .record import Delivery
from .schema import Schema
from .settings import Settings

SCORE_DECIMALS = 6
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_WRITE = 50_000
COMMANDS: dict[str, Callable[[Settings, Schema], int]] = {}


def columns(schema: Schema) -> list[str]:
    return ["rank", schema.entity, "score", *schema.passed_through, "model_version", "run_id"]


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula gets an apostrophe in front, showing it as text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def check(settings: Settings) -> None:
    """Nothing to check before training: the outbox is made when the drop is written."""


def deliver(
    model: Model, rows: Iterable[pd.DataFrame], schema: Schema, settings: Settings
) -> Delivery:
    kept, scores = _score(model, rows, schema)
    ids = kept[schema.entity].to_numpy()
    repeated = sorted(set(ids[pd.Series(ids).duplicated().to_numpy()]))
    if repeated:
        raise repeated_ids(settings.scoring_data, schema, repeated)
    order = np.lexsort((ids.astype(str), -scores))
    run_id, name = settings.run_id, f"predictions-{settings.run_id}"
    staging = settings.outbox / ".partial"
    drop = settings.outbox / f"{name}.csv"
    with atomic_file(drop, staging) as handle:
        sha256 = _write_ranked(handle, kept.iloc[order], scores[order], model.version, run_id)
    manifest = {
        "file": drop.name,
        "rows": len(ids),
        "sha256": sha256,
        "columns": columns(schema),
        "model_version": model.version,
        "run_id": run_id,
    }
    write_json(settings.outbox / f"{name}.manifest.json", manifest, staging)
    return Delivery(rows=len(ids), location=str(drop), scores=scores)


def _score(
    model: Model, rows: Iterable[pd.DataFrame], schema: Schema
) -> tuple[pd.DataFrame, np.ndarray]:
    """The columns the drop shows and the rounded scores, chunk by chunk: features are dropped."""
    shown = [schema.entity, *schema.passed_through]
    kept, scores = [], []
    for chunk in rows:
        kept.append(chunk[shown])
        scores.append(np.round(model.score(chunk), SCORE_DECIMALS))
    return pd.concat(kept, ignore_index=True), np.concatenate(scores)


def _write_ranked(
    handle: IO[bytes], ranked: pd.DataFrame, scores: np.ndarray, version: str, run_id: str
) -> str:
    """Writes the ranked rows block by block and returns the sha256 of the bytes written."""
    digest = hashlib.sha256()

    def write(rows: Iterable[list[Any]]) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        block = text.getvalue().encode("utf-8")
        digest.update(block)
        handle.write(block)

    entity, *passed = ranked.columns
    write([["rank", entity, "score", *passed, "model_version", "run_id"]])
    stamp = [neutralise(version), neutralise(run_id)]
    for start in range(0, len(ranked), ROWS_PER_WRITE):
        block = ranked.iloc[start : start + ROWS_PER_WRITE].to_numpy()
        block_scores = scores[start : start + ROWS_PER_WRITE]
        write(
            [start + n + 1, neutralise(row[0]), f"{score:.{SCORE_DECIMALS}f}"]
            + [neutralise(cell) for cell in row[1:]]
            + stamp
            for n, (row, score) in enumerate(zip(block, block_scores, strict=True))
        )
    return digest.hexdigest()


def contracts(schema: Schema) -> dict[str, str]:
    """contract/csv-drop.json: the column dictionary the people and their tools rely on."""
    words = schema.words
    text = {f.name: {"type": "string", "description": f.description} for f in schema.fields}
    described: dict[str, dict[str, Any]] = {
        **text,
        "rank": {"type": "integer", "minimum": 1, "description": f"1 is the top {words['score']}"},
        "score": {"type": "number", "minimum": 0, "maximum": 1, "decimals": SCORE_DECIMALS},
        "model_version": {"type": "string", "description": "the model that scored this run"},
        "run_id": {"type": "string", "description": "the run that made this file"},
    }
    described["score"]["description"] = words["scoreDescription"]
    contract = {
        "description": f"{words['entities']} ranked by {words['score']}, to work through",
        "file": "outbox/predictions-<run_id>.csv",
        "manifest": "outbox/predictions-<run_id>.manifest.json",
        "complete_when": "the manifest exists: written after the CSV, it holds the CSV's sha256",
        "encoding": "utf-8",
        "line_terminator": "\r\n",
        "order": f"score descending, then {schema.entity} ascending",
        "text_cells": "a cell starting with = + - @ tab or carriage return is prefixed with '",
        "columns": [{"name": name, **described[name]} for name in columns(schema)],
        "manifest_fields": ["file", "rows", "sha256", "columns", "model_version", "run_id"],
    }
    return {"csv-drop.json": json.dumps(contract, indent=2) + "\n"}
