"""CSV drop: outbox/predictions-<run id>.csv, a ranked list for people to work through, and its
.manifest.json, both staged in outbox/.partial/ and renamed in (an object store takes each in one
PUT), the manifest last: a consumer that waits for it finds the whole CSV. The same run id gives
the same bytes. OUTBOX may be a folder or a URL (sftp://, s3://)."""

import hashlib
import json
from collections.abc import Callable

import numpy as np
import pandas as pd

from .data import Chunks, repeated_ids
from .files import Delivery, atomic_file, write_json
from .model import Model
from .schema import Schema
from .settings import Settings

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula
COMMANDS: dict[str, Callable[[Settings, Schema], int]] = {}


def check(settings: Settings) -> None:
    """Nothing to check before training: the outbox is made when the drop is written."""


def deliver(model: Model, rows: Chunks, schema: Schema, settings: Settings) -> Delivery:
    shown = [schema.entity, *schema.passed_through]
    kept = [chunk[shown].assign(score=model.score(chunk).round(6)) for chunk in rows]
    ranked = pd.concat(kept, ignore_index=True)
    if (repeated := ranked[schema.entity].duplicated()).any():
        raise repeated_ids(settings.scoring_data, schema, ranked[schema.entity][repeated])
    # numpy's lexsort orders ids by code point, as their UTF-8 bytes sort, several times quicker
    ids = ranked[schema.entity].to_numpy(dtype=str)
    ranked = ranked.iloc[np.lexsort((ids, -ranked["score"].to_numpy()))]
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    for column in shown:  # shown as text, with an apostrophe in front
        text = ranked[column].astype(str)
        ranked[column] = text.where(~text.str.startswith(FORMULA_STARTS), "'" + text)
    header, scores = columns(schema), ranked["score"].to_numpy()
    stamps = {"model_version": model.version, "run_id": settings.run_id}
    ranked = ranked.assign(score=np.char.mod("%.6f", scores), **stamps)[header]
    name, staging = f"predictions-{settings.run_id}", settings.outbox / ".partial"
    drop = settings.outbox / f"{name}.csv"
    with atomic_file(drop, staging) as handle:
        ranked.to_csv(handle, index=False, lineterminator="\r\n")  # UTF-8
        handle.seek(0)
        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()  # type: ignore[arg-type]
    manifest = {"file": f"{name}.csv", "rows": len(ranked), "sha256": sha256, "columns": header}
    manifest |= {"model_version": model.version, "run_id": settings.run_id}
    write_json(settings.outbox / f"{name}.manifest.json", manifest, staging)
    return Delivery(len(ranked), str(drop), scores)


def columns(schema: Schema) -> list[str]:
    return ["rank", schema.entity, "score", *schema.passed_through, "model_version", "run_id"]


def contracts(schema: Schema) -> dict[str, str]:
    """contract/csv-drop.json: the column dictionary the people and their tools rely on."""
    words, described = schema.words, {f.name: f.description for f in schema.fields}
    described |= {
        "rank": f"1 is the highest {words['score']}",
        "score": f"{words['scoreDescription']}, with 6 decimals",
        "model_version": "the model that scored this run",
        "run_id": "the run that made this file",
    }
    kinds = {"rank": "integer", "score": "number"}
    contract = {
        "description": f"{words['entities']} ranked by {words['score']}, to work through",
        "file": "outbox/predictions-<run_id>.csv, UTF-8, lines ending in CR LF, a header row",
        "complete_when": "outbox/predictions-<run_id>.manifest.json, written after it, exists",
        "order": f"score descending, then {schema.entity} ascending",
        "text_cells": "a cell starting with = + - @ tab or carriage return gets a ' in front",
        "columns": [
            {"name": n, "type": kinds.get(n, "string"), "description": described[n]}
            for n in columns(schema)
        ],
        "manifest_fields": ["file", "rows", "sha256", "columns", "model_version", "run_id"],
    }
    return {"csv-drop.json": json.dumps(contract, indent=2) + "\n"}
