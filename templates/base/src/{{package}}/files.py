"""Writes that a crash cannot tear (a reader sees the old file or the new one, never half), to a
folder or a URL, and the record of each run: records/<run id>.json, to measure performance once
outcomes are known."""

import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
from fsspec.core import url_to_fs

from .settings import URL, Place

WHOLE_PUTS = {"s3", "s3a", "gs", "gcs", "abfs", "az"}  # object storage: a PUT is all or nothing


@dataclass(frozen=True)
class Delivery:
    rows: int
    location: str
    scores: np.ndarray


@contextmanager
def atomic_file(path: Place, staging: Place | None = None) -> Iterator[IO[bytes]]:
    """A handle on a temp file in `staging` (on the same file system; by default beside `path`)
    that replaces `path` by rename only if the block succeeds: a crash leaves a temp file. A URL's
    file is made here, then sent whole (see send)."""
    if isinstance(path, URL):
        with tempfile.TemporaryDirectory() as temp:
            with atomic_file(local := Path(temp, "whole")) as handle:
                yield handle
            send(local, path, staging)
        return
    assert not isinstance(staging, URL)
    (staging or path.parent).mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=staging or path.parent, delete=False) as handle:
        try:
            os.fchmod(handle.fileno(), 0o644)  # readable by the consumer, as any other file
            yield handle.file  # the file itself: the wrapper costs a lookup per write
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            os.unlink(handle.name)
            raise
    os.replace(handle.name, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself made durable
    finally:
        os.close(folder)


def send(local: Path, url: URL, staging: Place | None) -> None:
    """One PUT to object storage; elsewhere (SFTP) under a temp name in `staging` (by default
    beside `url`), then renamed over `url`."""
    fs, target = url_to_fs(url)
    if WHOLE_PUTS & set(fs.protocol):
        fs.put_file(local, target)
        return
    temp = url_to_fs(URL(staging or url.rsplit("/", 1)[0]) / f"{uuid.uuid4().hex}.partial")[1]
    for folder in {fs._parent(temp), fs._parent(target)}:
        fs.makedirs(folder, exist_ok=True)
    fs.put_file(local, temp)
    fs.mv(temp, target)


def write_json(path: Place, value: Any, staging: Place | None = None) -> None:
    with atomic_file(path, staging) as handle:
        handle.write((json.dumps(value, indent=2, sort_keys=True) + "\n").encode())


def write_run(records: Path, run_id: str, delivery: Delivery, facts: dict[str, Any]) -> Path:
    """What was delivered: model, rows, where they went, and the scores' deciles."""
    deciles = np.quantile(delivery.scores, np.linspace(0, 1, 11)).round(6).tolist()
    facts |= {"rows": delivery.rows, "delivered_to": delivery.location, "score_deciles": deciles}
    record = {"run_id": run_id, "recorded_at": datetime.now(UTC).isoformat(), **facts}
    write_json(path := records / f"{run_id}.json", record)
    return path
