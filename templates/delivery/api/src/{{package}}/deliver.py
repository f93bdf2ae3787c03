"""API stub: the prediction service, served by `make serve` and proved by `make thread`.

`make thread` ends by starting the real service on a free loopback port, sending every scoring
customer to it over HTTP (with the standard library, as a consumer would) and stopping it, so a
thread that passes has shown the service answers with the model it is about to serve.
`make serve` (`python -m <package> serve`) serves the live model from the store, or the constant
one with MODEL=constant, on $HOST:$PORT until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import uvicorn

from . import data
from .api import DRAIN_BYTES, MAX_BATCH, MAX_BODY_BYTES, WHOLE_NUMBERS, create_app
from .data import ENTITY, FEATURE_NAMES, DataError
from .model import ConstantModel, Model
from .record import Delivery, ScoreSummary
from .settings import ConfigError, Settings
from .store import ModelStore

TIMEOUT_SECONDS = 30


def deliver(
    model: Model, customers: Iterable[pd.DataFrame], settings: Settings, run_id: str
) -> Delivery:
    """Scores every customer through the real service, in batches, then stops the service."""
    summary = ScoreSummary()
    with running(create_app(model, settings.records, run_id=run_id)) as url:
        for chunk in customers:
            for start in range(0, len(chunk), MAX_BATCH):
                rows = chunk.iloc[start : start + MAX_BATCH][[ENTITY, *FEATURE_NAMES]]
                # data.py reads every number as a float; the API takes whole numbers whole
                rows = rows.astype(dict.fromkeys(WHOLE_NUMBERS, "int64"))
                batch = {"customers": rows.to_dict("records")}
                status, answer = call(url, "/predict/batch", json.dumps(batch).encode())
                if status != 200:
                    refusal = answer[:1000].decode(errors="replace")
                    raise DataError(f"{url}/predict/batch", [f"answered {status}: {refusal}"])
                scores = [p["score"] for p in json.loads(answer)["predictions"]]
                summary.add(np.array(scores, dtype=float))
    return Delivery(rows=summary.count, location=f"{url}/predict/batch", scores=summary)


def serve(settings: Settings) -> int:
    host = os.environ.get("HOST") or "127.0.0.1"
    port = whole_setting("PORT", 8000, 1, 65535)
    limit = whole_setting("MAX_BODY_BYTES", MAX_BODY_BYTES, 1_000, DRAIN_BYTES)
    app = create_app(load_model(settings), settings.records, limit)
    # uvicorn 0.29+ re-raises the Ctrl-C it has already shut down on: it is no error here
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run(app, host=host, port=port)
    return 0


def openapi(settings: Settings) -> int:
    """Prints the service's schema: `python -m <package> openapi > contract/openapi.json`."""
    app = create_app(ConstantModel(0.5), settings.records)  # the schema does not depend on it
    print(json.dumps(app.openapi(), indent=2))
    return 0


COMMANDS: dict[str, Callable[[Settings], int]] = {"serve": serve, "openapi": openapi}


def load_model(settings: Settings) -> Model:
    """The model to serve: the store's live one, or the constant one with MODEL=constant."""
    if settings.model == "constant":
        return ConstantModel.from_training(data.load(settings.training_data, labelled=True))
    store = ModelStore(settings.model_store)
    version = store.live()
    if version is None:
        raise ConfigError(
            f"no live model in {settings.model_store}: run `make thread` to train and promote "
            "one, or serve the constant model with MODEL=constant"
        )
    try:
        return store.load(version)
    except Exception as problem:  # a missing file, or a pickle from incompatible code
        raise ConfigError(f"the live model {version} cannot be loaded: {problem!r}") from None


def whole_setting(name: str, default: int, low: int, high: int) -> int:
    text = os.environ.get(name) or str(default)
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)


@contextlib.contextmanager
def running(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Serves `app` with uvicorn in a background thread on a free port; yields its base URL.

    The socket is bound here (port 0: the system picks) and handed to uvicorn, so no other process
    can take the port in between. uvicorn (0.17 and current alike) installs no signal handlers
    off the main thread, so Ctrl-C stays with the caller.
    """
    sock = socket.create_server((host, 0))
    config = uvicorn.Config(app, lifespan="off", log_config=None, log_level="warning")
    server = uvicorn.Server(config)
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


def call(
    url: str,
    path: str,
    body: bytes | Iterable[bytes] | None = None,
    content_type: str = "application/json",
) -> tuple[int, bytes]:
    """GET `path` (or POST `body` to it): the status and the answer's bytes.

    http.client, not urllib: urllib would route even loopback calls through a proxy set in the
    environment. An iterable body is sent chunked.
    """
    where = urlsplit(url)
    connection = http.client.HTTPConnection(
        where.hostname or "", where.port, timeout=TIMEOUT_SECONDS
    )
    try:
        if body is None:
            connection.request("GET", path)
        else:
            connection.request("POST", path, body, {"Content-Type": content_type})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
