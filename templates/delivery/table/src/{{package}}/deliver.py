"""Table export: scores as rows of a database table, for analysts, reports and downstream jobs.

The database is DATABASE_URL's (a SQLite file in the outbox by default, or PostgreSQL); the
tables are made from contract/predictions.sql where they are missing. A run is one transaction
that deletes the run id's old rows and inserts the new ones, so readers see the old run or the
new one, never half; two runs of one run id take turns (an advisory lock on PostgreSQL,
BEGIN IMMEDIATE on SQLite), so the second replaces the first instead of failing on the key.
"""

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
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

from .data import repeated_ids
from .model import Model
from .record import Delivery
from .schema import Schema, contract_file
from .settings import ConfigError, Settings

ROWS_PER_INSERT = 10_000
SQLITE_BUSY_SECONDS = 600  # how long a run waits for another run's write to finish
COMMANDS: dict[str, Callable[[Settings, Schema], int]] = {}
DDL = """-- The table export: what the consumer can rely on. `make contract` writes it from
-- contract/schema.json; the thread creates the tables from it where they are missing.

-- One row per {entity} per run; a run's rows are committed together.
CREATE TABLE IF NOT EXISTS predictions (
    run_id VARCHAR(64) NOT NULL,
    {id} VARCHAR(1000) NOT NULL,
{passed}    score DOUBLE PRECISION NOT NULL CHECK (score >= 0 AND score <= 1),  -- {score}
    model_version VARCHAR(100) NOT NULL,
    PRIMARY KEY (run_id, {id})
);

-- One row per delivered run, committed with its predictions.
CREATE TABLE IF NOT EXISTS prediction_runs (
    run_id VARCHAR(64) NOT NULL PRIMARY KEY,
    model_version VARCHAR(100) NOT NULL,
    row_count INTEGER NOT NULL,
    delivered_at TIMESTAMP WITH TIME ZONE NOT NULL
);
"""


def tables(schema: Schema) -> tuple[Table, Table]:
    """What the writer writes; the contract test holds these to the tables the DDL makes."""
    metadata = MetaData()
    text = [schema.entity, *schema.passed_through]
    predictions = Table(
        "predictions",
        metadata,
        Column("run_id", String(64), primary_key=True),
        *(Column(name, String(1000), primary_key=name == schema.entity) for name in text),
        Column("score", Float, nullable=False),
        Column("model_version", String(100), nullable=False),
    )
    runs = Table(
        "prediction_runs",
        metadata,
        Column("run_id", String(64), primary_key=True),
        Column("model_version", String(100), nullable=False),
        Column("row_count", Integer, nullable=False),
        Column("delivered_at", DateTime(timezone=True), nullable=False),
    )
    return predictions, runs


def contracts(schema: Schema) -> dict[str, str]:
    """contract/predictions.sql, the DDL: plain SQL that PostgreSQL and SQLite both run."""
    passed = "".join(f"    {_quoted(name)} VARCHAR(1000),\n" for name in schema.passed_through)
    words = schema.words
    ddl = DDL.format(id=_quoted(schema.entity), passed=passed, **words)
    return {"predictions.sql": ddl}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check(settings: Settings) -> None:
    database_url(settings)


def database_url(settings: Settings, environ: Mapping[str, str] = os.environ) -> URL:
    """DATABASE_URL (postgres:// taken as postgresql://), or a SQLite file in the outbox."""
    text = environ.get("DATABASE_URL", "")
    if not text:
        return URL.create("sqlite", database=str(settings.outbox / "predictions.db"))
    try:
        url = make_url(text.replace("postgres://", "postgresql://", 1))
    except (ArgumentError, ValueError):  # their messages can repeat the URL, password and all
        raise ConfigError("DATABASE_URL is not a URL like postgresql://user:pw@host/db") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
    return url


def deliver(
    model: Model, rows: Iterable[pd.DataFrame], schema: Schema, settings: Settings
) -> Delivery:
    try:
        return export(database_url(settings), model, rows, schema, settings.run_id)
    except IntegrityError:  # the primary key met an id twice; the run's transaction rolled back
        raise repeated_ids(settings.scoring_data, schema) from None


def export(
    url: URL, model: Model, rows: Iterable[pd.DataFrame], schema: Schema, run_id: str
) -> Delivery:
    engine = connect(url)
    predictions, runs = tables(schema)
    try:
        create_tables(engine)
        with engine.begin() as connection:
            _take_turns(connection, f"predictions.run.{run_id}")
            for table in (predictions, runs):
                connection.execute(delete(table).where(table.c.run_id == run_id))
            scores = [_insert(connection, predictions, model, chunk, run_id) for chunk in rows]
            delivered = np.concatenate(scores) if scores else np.array([])
            stamp = {"model_version": model.version, "delivered_at": datetime.now(UTC)}
            connection.execute(
                insert(runs).values(run_id=run_id, row_count=len(delivered), **stamp)
            )
    finally:
        engine.dispose()
    return Delivery(len(delivered), f"predictions in {shown(url)}", delivered)


def _insert(
    connection: Connection, table: Table, model: Model, chunk: pd.DataFrame, run_id: str
) -> np.ndarray:
    """Scores a chunk and inserts its rows, a bounded number per statement (the driver batches)."""
    scores = model.score(chunk)
    kept = chunk[[column.name for column in table.columns if column.name in chunk.columns]]
    stamped = kept.assign(run_id=run_id, score=scores, model_version=model.version)
    records = cast(list[dict[str, Any]], stamped.to_dict("records"))
    for start in range(0, len(records), ROWS_PER_INSERT):
        connection.execute(insert(table), records[start : start + ROWS_PER_INSERT])
    return scores


def shown(url: URL) -> str:
    """The URL as it may be printed or recorded: never with its password."""
    return url.render_as_string(hide_password=True)


def connect(url: URL) -> Engine:
    """An engine; a plain postgresql:// URL gets psycopg2, the driver the project installs
    (SQLAlchemy 2.1 made psycopg 3 the default)."""
    if url.drivername == "postgresql":
        return create_engine(url.set(drivername="postgresql+psycopg2"))
    if url.get_backend_name() != "sqlite":
        return create_engine(url)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    # SQLAlchemy's documented pysqlite recipe: the driver's own BEGIN off, every transaction
    # opening with BEGIN IMMEDIATE, so a second writer waits instead of interleaving.
    event.listen(engine, "connect", _no_driver_transactions)
    event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def create_tables(engine: Engine) -> None:
    """Runs the contract's DDL where the tables are missing, one process at a time (two
    PostgreSQL sessions racing through CREATE TABLE IF NOT EXISTS can both try, and one fails).
    Where they exist nothing runs, so a role that may only read and write rows can deliver."""
    try:  # the first connection: a report if it fails, not a traceback, and no password
        if {"predictions", "prediction_runs"} <= set(inspect(engine).get_table_names()):
            return
    except OperationalError as error:
        raise ConfigError(f"cannot reach {shown(engine.url)}: {str(error.orig).strip()}") from None
    with engine.begin() as connection:
        _take_turns(connection, "predictions.ddl")
        for statement in contract_statements(contract_file("predictions.sql")):
            connection.exec_driver_sql(statement)


def contract_statements(path: Path) -> list[str]:
    """The contract's statements: `--` comments dropped, split at semicolons."""
    lines = [line.split("--", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


def _take_turns(connection: Connection, name: str) -> None:
    """Holds a lock named `name` to the end of the transaction (SQLite's BEGIN IMMEDIATE
    already lets one writer in at a time)."""
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        connection.execute(select(func.pg_advisory_xact_lock(key)))
