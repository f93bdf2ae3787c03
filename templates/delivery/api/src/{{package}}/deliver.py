"""API stub: the prediction service, served by `make serve`; `make thread` proves it by sending
every scoring row over real HTTP to the service with the model it is about to serve."""

import contextlib
import json
import os
import socket
import threading
from http.client import HTTPConnection
from pathlib import Path

import numpy as np
import uvicorn

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
    """Scores every row through the real service, on one keep-alive connection over loopback,
    then stops the service (cleanly: it appends every record)."""
    app = create_app(model, schema, settings.records, settings.run_id)
    sock = socket.create_server(("127.0.0.1", 0))  # a port the system picks, bound here for good
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else each answer waits 40 ms
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, log_level="warning"))
    # The socket listens already, so the first request waits in its queue until the service is up.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    (host, port), scores = sock.getsockname(), list[float]()
    whole = {f.name: "int64" for f in schema.features if f.type == "integer"}  # read as floats
    connection = HTTPConnection(host, port, timeout=30)  # http.client: urllib would use a proxy
    headers = {"Content-Type": "application/json"}
    try:
        for chunk in rows:  # read without the label
            for row in chunk.astype(whole).to_dict("records"):
                connection.request("POST", "/predict", json.dumps(row), headers)
                answer = connection.getresponse()
                if answer.status != 200:
                    problem = f"answered {answer.status}: {answer.read(1000).decode()}"
                    raise DataError("/predict", [problem])
                scores.append(json.loads(answer.read())["score"])
    finally:
        connection.close()
        server.should_exit = True
        thread.join(30)
        sock.close()
    return Delivery(len(scores), f"http://{host}:{port}/predict", np.array(scores))


def serve(settings: Settings, schema: Schema) -> int:
    """The live model from the store (or MODEL=constant's) on $HOST:$PORT until stopped."""
    port, store = os.environ.get("PORT") or "8000", ModelStore(settings.model_store)
    if not (port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(f"PORT must be a whole number from 1 to 65535, not {port!r}")
    if settings.model == "constant":
        model = Model.constant(data.load(settings.training_data, schema, labelled=True), schema)
    elif (version := store.live()) is None:
        raise ConfigError(
            f"no live model in {settings.model_store}: run `make thread` to train and promote "
            "one, or serve the constant model with MODEL=constant"
        )
    else:
        model = store.load(version)
    app = create_app(model, schema, settings.records)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it stopped on
        uvicorn.run(app, host=os.environ.get("HOST") or "127.0.0.1", port=int(port))
    return 0


COMMANDS = {"serve": serve}


def contracts(schema: Schema) -> dict[str, str]:
    """contract/openapi.json, and a valid request: contract/example-request.json."""
    app = create_app(Model("constant", 0.0, schema.encoding()), schema, Path("records"))
    contents = {"openapi.json": app.openapi(), "example-request.json": schema.example()}
    return {name: json.dumps(value, indent=2) + "\n" for name, value in contents.items()}
