"""API stub: the prediction service, served by `make serve`; `make thread` proves it by sending
every scoring row over real HTTP to the service with the model it is about to serve."""

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.client import HTTPConnection
from pathlib import Path

import numpy as np
import uvicorn
from fastapi import FastAPI

from . import data
from .api import create_app
from .data import Chunks, DataError
from .files import Delivery
from .model import Model
from .schema import Schema
from .settings import ConfigError, Settings
from .store import ModelStore


def check(settings: Settings) -> None:
    """Nothing to check before training: the service is started on a free port."""


def deliver(model: Model, rows: Chunks, schema: Schema, settings: Settings) -> Delivery:
    """Scores every row through the real service, on one connection, then stops the service."""
    scores: list[float] = []
    whole = {f.name: "int64" for f in schema.features if f.type == "integer"}  # read as floats
    sent = [f.name for f in schema.fields if f.role != "label"]
    with running(create_app(model, schema, settings.records, settings.run_id)) as connection:
        for chunk in rows:
            for row in chunk[sent].astype(whole).to_dict("records"):
                status, answer = call(connection, "/predict", json.dumps(row).encode())
                if status != 200:
                    raise DataError("/predict", [f"answered {status}: {answer[:1000].decode()}"])
                scores.append(json.loads(answer)["score"])
    url = f"http://{connection.host}:{connection.port}/predict"
    return Delivery(len(scores), url, np.array(scores))


def serve(settings: Settings, schema: Schema) -> int:
    """The live model from the store (or MODEL=constant's) on $HOST:$PORT until stopped."""
    port = os.environ.get("PORT") or "8000"
    if not (port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(f"PORT must be a whole number from 1 to 65535, not {port!r}")
    app = create_app(load_model(settings, schema), schema, settings.records)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it stopped on
        uvicorn.run(app, host=os.environ.get("HOST") or "127.0.0.1", port=int(port))
    return 0


COMMANDS: dict[str, Callable[[Settings, Schema], int]] = {"serve": serve}


def contracts(schema: Schema) -> dict[str, str]:
    """contract/openapi.json, and a valid request: contract/example-request.json."""
    app = create_app(Model("constant", 0.0, schema.encoding()), schema, Path("records"))
    contents = {"openapi.json": app.openapi(), "example-request.json": schema.example()}
    return {name: json.dumps(value, indent=2) + "\n" for name, value in contents.items()}


def load_model(settings: Settings, schema: Schema) -> Model:
    if settings.model == "constant":
        return Model.constant(data.load(settings.training_data, schema, labelled=True), schema)
    store = ModelStore(settings.model_store)
    if (version := store.live()) is None:
        raise ConfigError(
            f"no live model in {settings.model_store}: run `make thread` to train and promote "
            "one, or serve the constant model with MODEL=constant"
        )
    return store.load(version)


@contextlib.contextmanager
def running(app: FastAPI) -> Iterator[HTTPConnection]:
    """Serves `app` in a thread on a loopback port the system picks; yields a connection to it."""
    sock = socket.create_server(("127.0.0.1", 0))  # bound here: no other process can take it
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else each answer waits 40 ms
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the prediction service did not start")
            time.sleep(0.01)
        host, port = sock.getsockname()
        with contextlib.closing(HTTPConnection(host, port, timeout=30)) as connection:
            yield connection
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def call(connection: HTTPConnection, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """GET `path`, or POST `body` to it: the status and the answer. http.client, not urllib,
    which would send even loopback calls through a proxy set in the environment."""
    headers = {"Content-Type": "application/json"}
    connection.request("GET" if body is None else "POST", path, body, headers)
    response = connection.getresponse()
    return response.status, response.read()
