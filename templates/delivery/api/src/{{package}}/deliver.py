"""API stub: the prediction service, served by `make serve` and proved by `make thread`.

`make thread` ends by starting the real service on a free loopback port, sending every scoring
row to it over HTTP (with the standard library, as a consumer would) and stopping it, so a
thread that passes has shown the service answers with the model it is about to serve.
"""

import contextlib
import http.client
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import uvicorn
from fastapi import FastAPI

from . import data
from .api import MAX_BATCH, create_app
from .data import DataError
from .model import Model
from .record import Delivery
from .schema import Schema
from .settings import ConfigError, Settings
from .store import ModelStore

TIMEOUT_SECONDS = 30


def check(settings: Settings) -> None:
    """Nothing to check before training: the service is started on a free port."""


def deliver(
    model: Model, rows: Iterable[pd.DataFrame], schema: Schema, settings: Settings, run_id: str
) -> Delivery:
    """Scores every row through the real service, in batches, then stops the service."""
    scores: list[float] = []
    with running(create_app(model, schema, settings.records, run_id)) as url:
        for chunk in rows:
            sent = chunk[[f.name for f in schema.fields if f.role != "label"]]
            # data.py reads numbers as floats; the API takes whole numbers whole
            sent = sent.astype({f.name: "int64" for f in schema.features if f.type == "integer"})
            for start in range(0, len(sent), MAX_BATCH):
                batch = {"rows": sent.iloc[start : start + MAX_BATCH].to_dict("records")}
                status, answer = call(url, "/predict/batch", json.dumps(batch).encode())
                if status != 200:
                    refusal = answer[:1000].decode(errors="replace")
                    raise DataError(f"{url}/predict/batch", [f"answered {status}: {refusal}"])
                scores += [p["score"] for p in json.loads(answer)["predictions"]]
    return Delivery(len(scores), f"{url}/predict/batch", np.array(scores))


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
    """contract/openapi.json and a valid request, contract/example-request.json."""
    app = create_app(Model("constant", 0.0, schema.encoding()), schema, records=Path("records"))
    return {
        "openapi.json": json.dumps(app.openapi(), indent=2) + "\n",
        "example-request.json": json.dumps(schema.example(), indent=2) + "\n",
    }


def load_model(settings: Settings, schema: Schema) -> Model:
    if settings.model == "constant":
        return Model.constant(data.load(settings.training_data, schema, labelled=True), schema)
    version = ModelStore(settings.model_store).live()
    if version is None:
        raise ConfigError(
            f"no live model in {settings.model_store}: run `make thread` to train and promote "
            "one, or serve the constant model with MODEL=constant"
        )
    return ModelStore(settings.model_store).load(version)


@contextlib.contextmanager
def running(app: FastAPI, host: str = "127.0.0.1") -> Iterator[str]:
    """Serves `app` in a background thread on a port the system picks; yields its base URL."""
    sock = socket.create_server((host, 0))  # bound here, so no other process can take it
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the prediction service did not start")
            time.sleep(0.01)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(TIMEOUT_SECONDS)
        sock.close()


def call(url: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """GET `path`, or POST `body` to it: the status and the answer's bytes. http.client, not
    urllib, which would send even loopback calls through a proxy set in the environment."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT_SECONDS)
    try:
        headers = {"Content-Type": "application/json"}
        connection.request("GET" if body is None else "POST", path, body, headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
