"""Table export: scores as rows of DATABASE_URL's table (SQLite in the outbox by default). A run
is one transaction that replaces the run id's rows, so readers never see half a run; two runs of
one run id take turns, so the second replaces the first instead of failing on the primary key."""

import hashlib
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, event, func, inspect, select, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError

from .data import Chunks, repeated_ids
from .files import Delivery
from .model import Model
from .schema import Schema, contract_file
from .settings import ConfigError, Settings

COMMANDS: dict[str, Callable[[Settings, Schema], int]] = {}
DDL = """-- The table export: what the consumer can rely on. `make contract` writes it from
-- contract/schema.json; the thread creates the tables from it where they are missing.

-- One row per {entity} per run; a run's rows are committed together.
CREATE TABLE IF NOT EXISTS predictions (
    run_id VARCHAR(64) NOT NULL,
    {id} VARCHAR(1000) NOT NULL,
{passed}    score DOUBLE PRECISION NOT NULL{check},  -- {score}
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


def contracts(schema: Schema) -> dict[str, str]:
    """contract/predictions.sql: plain SQL that PostgreSQL and SQLite both run unchanged."""
    names = (schema.entity, *schema.passed_through)
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
    passed = "".join(f"    {quoted[name]} VARCHAR(1000),\n" for name in schema.passed_through)
    check = " CHECK (score >= 0 AND score <= 1)" if schema.binary else ""
    ddl = DDL.format(id=quoted[schema.entity], passed=passed, check=check, **schema.words)
    return {"predictions.sql": ddl}


def database_url(settings: Settings, environ: Mapping[str, str] = os.environ) -> URL:
    """DATABASE_URL (postgres:// taken as postgresql://), or a SQLite file in the outbox."""
    if not (given := environ.get("DATABASE_URL", "")):
        return URL.create("sqlite", database=str(settings.outbox / "predictions.db"))
    try:
        url = make_url(given.replace("postgres://", "postgresql://", 1))
    except (ArgumentError, ValueError):  # their messages can repeat the URL, password and all
        raise ConfigError("DATABASE_URL is not a URL like postgresql://user:pw@host/db") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError("DATABASE_URL must be a sqlite:// or postgresql:// URL")
    return url


check = database_url  # a DATABASE_URL it cannot use stops the run before training


def deliver(model: Model, rows: Chunks, schema: Schema, settings: Settings) -> Delivery:
    try:
        return export(database_url(settings), model, rows, schema, settings.run_id)
    except (IntegrityError, pd.errors.DatabaseError) as error:  # newer pandas wraps the error
        if not any(isinstance(cause, IntegrityError) for cause in (error, error.__cause__)):
            raise
        raise repeated_ids(settings.scoring_data, schema) from None  # the key met an id twice


def export(url: URL, model: Model, rows: Chunks, schema: Schema, run_id: str) -> Delivery:
    engine, scores = connect(url), []
    stamp = {"run_id": run_id, "model_version": model.version}
    columns = [schema.entity, *schema.passed_through]
    try:
        create_tables(engine)
        with engine.begin() as connection:
            take_turns(connection, f"predictions.run.{run_id}")
            for table in ("predictions", "prediction_runs"):
                connection.execute(text(f"DELETE FROM {table} WHERE run_id = :run_id"), stamp)
            for chunk in rows:
                scores.append(model.score(chunk))
                append(chunk[columns].assign(score=scores[-1], **stamp), "predictions", connection)
            delivered = np.concatenate(scores) if scores else np.array([])
            done = {"row_count": len(delivered), "delivered_at": datetime.now(UTC), **stamp}
            append(pd.DataFrame([done]), "prediction_runs", connection)
    finally:
        engine.dispose()
    return Delivery(len(delivered), f"predictions in {url}", delivered)  # no password in str()


def append(rows: pd.DataFrame, table: str, connection: Connection) -> None:
    rows.to_sql(table, connection, if_exists="append", index=False, chunksize=10_000)


def connect(url: URL) -> Engine:
    """An engine; a plain postgresql:// URL gets psycopg2, the driver the project installs
    (SQLAlchemy 2.1 made psycopg 3 the default)."""
    if url.drivername == "postgresql":
        return create_engine(url.set(drivername="postgresql+psycopg2"))
    if url.get_backend_name() != "sqlite":
        return create_engine(url)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 600})  # waits 10 min for another run
    # SQLAlchemy's documented pysqlite recipe: the driver's own BEGIN off, every transaction
    # opening with BEGIN IMMEDIATE, so a second writer waits instead of interleaving.
    event.listen(engine, "connect", lambda dbapi, _: setattr(dbapi, "isolation_level", None))
    event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN IMMEDIATE"))
    return engine


def create_tables(engine: Engine) -> None:
    """Runs the contract's DDL where the tables are missing, one process at a time (two
    sessions racing through CREATE TABLE IF NOT EXISTS can both try, and one fails). Where
    they exist nothing runs, so a role that may only read and write rows can deliver."""
    try:  # the first connection: a report if it fails, not a traceback, and no password
        if {"predictions", "prediction_runs"} <= set(inspect(engine).get_table_names()):
            return
    except OperationalError as error:
        raise ConfigError(f"cannot reach {engine.url}: {str(error.orig).strip()}") from None
    lines = contract_file("predictions.sql").read_text().splitlines()
    ddl = "\n".join(line.split("--")[0] for line in lines)  # comments off: ";" may be in one
    with engine.begin() as connection:
        take_turns(connection, "predictions.ddl")
        for statement in filter(str.strip, ddl.split(";")):
            connection.exec_driver_sql(statement)


def take_turns(connection: Connection, name: str) -> None:
    """Holds a lock named `name` to the end of the transaction on PostgreSQL (on SQLite,
    BEGIN IMMEDIATE already lets one writer in at a time)."""
    if connection.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        connection.execute(select(func.pg_advisory_xact_lock(key)))
