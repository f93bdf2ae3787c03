"""Table export: scores as rows in a database table, for analysts, reports and downstream jobs.

    predictions       run_id, customer_id, score, model_version (one row per customer per run)
    prediction_runs   run_id, model_version, row_count, delivered_at (one row per run)

The database is DATABASE_URL's (a SQLite file in the outbox by default, or PostgreSQL); the
tables are created from contract/predictions.sql. A run is one transaction: it deletes the run
id's old rows and inserts the new ones batch by batch, so readers see the old run or the new
one, never half of one, and a crash leaves the old one. Two runs of one run id take turns
(an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so the second replaces the first
instead of failing on the primary key.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError

from .data import ENTITY, repeated_ids
from .model import Model
from .record import Delivery, ScoreSummary
from .settings import ConfigError, Settings

# Run from the checkout (the Makefile, or an editable install), the contract is two folders up.
CONTRACT = Path(__file__).resolve().parents[2] / "contract" / "predictions.sql"
DEFAULT_DATABASE = "predictions.db"
BACKENDS = ("sqlite", "postgresql")
ROWS_PER_INSERT = 10_000
SQLITE_BUSY_SECONDS = 600  # how long a run waits for another run's write to finish
COMMANDS: dict[str, Callable[[Settings], int]] = {}

# What the writer writes; the contract test checks these against the tables the contract made.
metadata = MetaData()
PREDICTIONS = Table(
    "predictions",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column(ENTITY, Text, primary_key=True),
    Column("score", Float, nullable=False),
    Column("model_version", Text, nullable=False),
)
RUNS = Table(
    "prediction_runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("model_version", Text, nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=False),
)


def deliver(
    model: Model, customers: Iterable[pd.DataFrame], settings: Settings, run_id: str
) -> Delivery:
    try:
        return export(database_url(settings), model, customers, run_id)
    except IntegrityError:  # the primary key met an id twice; the run's transaction rolled back
        raise repeated_ids(settings.scoring_data) from None


def database_url(settings: Settings, environ: Mapping[str, str] = os.environ) -> URL:
    """DATABASE_URL, or a SQLite file in the outbox (so tests with a temp outbox stay in it)."""
    text = environ.get("DATABASE_URL", "")
    if not text:
        return URL.create("sqlite", database=str(settings.outbox / DEFAULT_DATABASE))
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):  # their messages can repeat the URL, password and all
        raise ConfigError("DATABASE_URL is not a URL like postgresql://user:pw@host/db") from None
    if url.get_backend_name() not in BACKENDS:
        raise ConfigError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
    return url


def shown(url: URL) -> str:
    """The URL as it may be printed or recorded: never with its password."""
    return url.render_as_string(hide_password=True)


def export(url: URL, model: Model, customers: Iterable[pd.DataFrame], run_id: str) -> Delivery:
    engine = connect(url)
    try:
        create_tables(engine)
        with engine.begin() as connection:
            scores = _replace_run(connection, model, customers, run_id)
    finally:
        engine.dispose()
    location = f"{PREDICTIONS.name} in {shown(url)}"
    return Delivery(rows=scores.count, location=location, scores=scores)


def connect(url: URL) -> Engine:
    """An engine with the 2.0 API (future=True: required on 1.4, the only mode on 2.0).

    A plain postgresql:// URL is given the psycopg2 driver the project installs: SQLAlchemy 2.1
    made psycopg (version 3) the default for it.
    """
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    if url.get_backend_name() != "sqlite":
        return create_engine(url, future=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    # SQLAlchemy's documented pysqlite recipe: the driver's own BEGIN is off, and every
    # transaction opens with BEGIN IMMEDIATE, taking the write lock at once; a second writer
    # waits for it (up to the busy timeout) instead of interleaving with the first.
    event.listen(engine, "connect", _no_driver_transactions)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
    # isolation_level=None still means "leave transactions to me" on Python 3.12+, whose
    # sqlite3 keeps this legacy behaviour unless `autocommit` is set.
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_tables(engine: Engine) -> None:
    """Runs the contract's DDL where its tables are missing, one process at a time.

    Two PostgreSQL sessions racing through CREATE TABLE IF NOT EXISTS can both decide to create
    and one fails, so the DDL holds a lock too. Where the tables exist, nothing runs: a role
    that may only read and write rows can deliver.
    """
    try:  # the first connection: a report if it fails, not a traceback, and no password
        inspector = inspect(engine)
        if all(inspector.has_table(table.name) for table in metadata.sorted_tables):
            return
    except OperationalError as error:
        raise ConfigError(f"cannot reach {shown(engine.url)}: {str(error.orig).strip()}") from None
    with engine.begin() as connection:
        _take_turns(connection, "predictions.ddl")
        for statement in contract_statements():
            connection.exec_driver_sql(statement)


def contract_statements(path: Path = CONTRACT) -> list[str]:
    """The contract's statements: `--` comments dropped, split at semicolons."""
    lines = [line.split("--", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


def _take_turns(connection: Connection, name: str) -> None:
    """Holds a lock named `name` until the transaction ends, so transactions sharing it queue.

    On PostgreSQL an advisory transaction lock keyed from the name; on SQLite, BEGIN IMMEDIATE
    already let in one writer at a time.
    """
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        connection.execute(select(func.pg_advisory_xact_lock(key)))


def _replace_run(
    connection: Connection, model: Model, customers: Iterable[pd.DataFrame], run_id: str
) -> ScoreSummary:
    """Deletes the run's rows, then inserts the new ones chunk by chunk, in one transaction."""
    _take_turns(connection, f"predictions.run.{run_id}")
    for table in (PREDICTIONS, RUNS):
        connection.execute(delete(table).where(table.c.run_id == run_id))
    scores = ScoreSummary()
    for chunk in customers:
        chunk_scores = model.score(chunk)
        scores.add(chunk_scores)
        _insert(connection, run_id, model.version, chunk[ENTITY].tolist(), chunk_scores.tolist())
    connection.execute(
        insert(RUNS).values(
            run_id=run_id,
            model_version=model.version,
            row_count=scores.count,
            delivered_at=datetime.now(timezone.utc),
        )
    )
    return scores


def _insert(
    connection: Connection, run_id: str, version: str, ids: list[str], scores: list[float]
) -> None:
    """One INSERT with many parameter sets (the driver batches them), a bounded number at a time."""
    for start in range(0, len(ids), ROWS_PER_INSERT):
        stop = start + ROWS_PER_INSERT
        rows = [
            {"run_id": run_id, ENTITY: entity, "score": score, "model_version": version}
            for entity, score in zip(ids[start:stop], scores[start:stop], strict=True)
        ]
        connection.execute(insert(PREDICTIONS), rows)
