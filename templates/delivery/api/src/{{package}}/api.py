"""The API stub: an HTTP prediction service for software that asks when it needs a score.

    POST /predict        one customer's features in; score and model version out
    POST /predict/batch  up to MAX_BATCH customers in one request
    GET  /health         up, and which model answers
    GET  /version        the model version and the generator version

Input is checked strictly and the same way on pydantic 1 and 2: fields and ranges come from
data.py, JSON types are not coerced (30.5 is not an age, "5" is not a number), NaN and Infinity
are refused, and so are unknown fields. Every refusal is a 4xx in one small shape that never
echoes the input. Each request's predictions are appended to records/predictions.jsonl.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, create_model
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import GENERATOR_VERSION
from .data import ENTITY, FEATURE_NAMES, FEATURES, Category, Number
from .files import append_json_line
from .model import Model

MAX_BODY_BYTES = 1_000_000
DRAIN_BYTES = 64 * 1024 * 1024
MAX_BATCH = 1_000
MAX_ID_LENGTH = 64
SCORE_DECIMALS = 6
SHOWN_PROBLEMS = 20
# pydantic 2 renamed validators, config and list bounds; the rest reads the same on 1 and 2.
PYDANTIC_2 = hasattr(pydantic, "field_validator")
DESCRIPTION = (
    "Scores a customer's propensity to buy, from 0 to 1, with the version of the model that did."
    " Input the schema does not allow gets a 4xx with an error and its problems, never a 500."
)


# Every body, in or out, refuses unknown fields: a misspelt field is an error, not ignored.
class Schema(BaseModel):
    if PYDANTIC_2:
        # protected_namespaces: "model_version" is our field; pydantic 2.0-2.9 warn about "model_".
        model_config = {"extra": "forbid", "protected_namespaces": ()}
    else:

        class Config:
            extra = "forbid"


def whole_number(cls: type, value: Any) -> int:
    """A JSON integer: pydantic 1 would cut 30.5 to 30 and read "30" as 30."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    return value


def finite_number(cls: type, value: Any) -> float:
    """A JSON number, finite: Python's json reads NaN, Infinity and 1e999, and NaN breaks models."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def text(cls: type, value: Any) -> str:
    """A JSON string of real characters: pydantic 1 would turn 5 into "5", and JSON can carry a
    lone surrogate ("\\ud800") that no answer or record could hold."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text") from None
    return value


def before(check: Callable[[type, Any], Any], names: list[str]) -> Any:
    """`check` as a validator of the fields `names` that sees the raw JSON value first."""
    if PYDANTIC_2:
        return pydantic.field_validator(*names, mode="before")(check)
    return pydantic.validator(*names, pre=True, allow_reuse=True)(check)


def feature_field(feature: Number | Category) -> tuple[Any, Any]:
    if isinstance(feature, Category):
        return Literal[feature.codes], ...  # exactly the codes the model was trained on
    return (int if feature.whole else float), Field(..., ge=feature.low, le=feature.high)


WHOLE_NUMBERS = [f.name for f in FEATURES if isinstance(f, Number) and f.whole]
CHECKS = {
    whole_number: WHOLE_NUMBERS,
    finite_number: [f.name for f in FEATURES if isinstance(f, Number) and not f.whole],
    text: [ENTITY] + [f.name for f in FEATURES if isinstance(f, Category)],
}

# The request and response fields are built from data.py, so the API takes what the model reads.
Customer = create_model(
    "Customer",
    __base__=Schema,
    __validators__={
        check.__name__: before(check, names) for check, names in CHECKS.items() if names
    },
    **{ENTITY: (str, Field(..., min_length=1, max_length=MAX_ID_LENGTH))},
    **{feature.name: feature_field(feature) for feature in FEATURES},
)
Prediction = create_model(
    "Prediction",
    __base__=Schema,
    **{ENTITY: (str, ...)},
    score=(float, Field(..., ge=0, le=1)),
    model_version=(str, ...),
)
# pydantic 1 calls a list's bounds min_items and max_items; pydantic 2, min_length and max_length.
BATCH_SIZE = (
    {"min_length": 1, "max_length": MAX_BATCH}
    if PYDANTIC_2
    else {"min_items": 1, "max_items": MAX_BATCH}
)


class Batch(Schema):
    customers: list[Customer] = Field(..., **BATCH_SIZE)


class Predictions(Schema):
    predictions: list[Prediction]


class Health(Schema):
    status: str
    model_version: str


class Version(Schema):
    model_version: str
    generator_version: str


class Problem(Schema):
    field: str
    message: str


class Error(Schema):
    error: str
    problems: list[Problem]


REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "The body is not JSON that can be read."},
    413: {"model": Error, "description": "The body is larger than the limit (MAX_BODY_BYTES)."},
    415: {"model": Error, "description": "The body is not sent as application/json."},
    422: {"model": Error, "description": "The body does not match the schema; see problems."},
}


def json_only(request: Request) -> None:
    """Bodies must say they are JSON, on every FastAPI release (0.92 parsed unlabelled ones)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise HTTPException(415, "send the body as JSON, with Content-Type: application/json")


JSON_BODY = [Depends(json_only)]


def error(summary: str, problems: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"error": summary, "problems": problems or []}


def create_app(
    model: Model, records: Path, max_body_bytes: int = MAX_BODY_BYTES, run_id: str | None = None
) -> FastAPI:
    """The service for `model`, recording every prediction under `records`.

    `run_id` marks the predictions a thread run made to prove the service, so that they can be
    told apart from the consumers' own.
    """
    app = FastAPI(title="Propensity to buy", version="1", description=DESCRIPTION)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, refused)

    def score(customers: list[Any]) -> list[dict[str, Any]]:
        started = time.perf_counter()
        rows = [
            {name: getattr(customer, name) for name in (ENTITY, *FEATURE_NAMES)}
            for customer in customers
        ]
        scores = [float(s) for s in np.round(model.score(pd.DataFrame(rows)), SCORE_DECIMALS)]
        append_json_line(
            records / "predictions.jsonl",
            {
                "at": datetime.now(timezone.utc).isoformat(),
                "run_id": run_id,
                "model_version": model.version,
                "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                "predictions": [{**row, "score": s} for row, s in zip(rows, scores, strict=True)],
            },
        )
        return [
            {ENTITY: row[ENTITY], "score": s, "model_version": model.version}
            for row, s in zip(rows, scores, strict=True)
        ]

    @app.post("/predict", response_model=Prediction, responses=REFUSALS, dependencies=JSON_BODY)
    def predict(customer: Customer) -> dict[str, Any]:
        """One customer's propensity to buy."""
        return score([customer])[0]

    @app.post(
        "/predict/batch", response_model=Predictions, responses=REFUSALS, dependencies=JSON_BODY
    )
    def predict_batch(batch: Batch) -> dict[str, Any]:
        """Several customers' scores, in the order given."""
        return {"predictions": score(batch.customers)}

    @app.get("/health", response_model=Health)
    def health() -> dict[str, Any]:
        return {"status": "ok", "model_version": model.version}

    @app.get("/version", response_model=Version)
    def version() -> dict[str, Any]:
        return {"model_version": model.version, "generator_version": GENERATOR_VERSION}

    return app


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """One shape on pydantic 1 and 2: where and what, without the input (which may be huge)."""
    errors = exc.errors()
    if any(e["type"] in ("json_invalid", "value_error.jsondecode") for e in errors):
        position = errors[0]["loc"][-1]  # FastAPI puts the character offset last
        problem = {"field": "body", "message": f"not valid JSON (at character {position})"}
        return JSONResponse(error("the body is not valid JSON", [problem]), status_code=400)
    problems = [
        {
            "field": printable(".".join(str(part) for part in e["loc"][1:]) or "body"),
            "message": printable(str(e["msg"])),
        }
        for e in errors[:SHOWN_PROBLEMS]
    ]
    return JSONResponse(error("the request does not match the schema", problems), status_code=422)


def printable(text: str) -> str:
    """Short, and encodable: an unknown field's name comes from the request, whatever it holds."""
    return text[:200].encode(errors="replace").decode()


async def refused(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's and FastAPI's own refusals (400, 404, 405, ...) in the same shape."""
    return JSONResponse(error(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


class BodyLimit:
    """Refuses a body over `limit` bytes with a 413, chunked ones included: uvicorn sets no limit.

    The body is read here, up to the limit, and handed on whole. An oversized one is read on to its
    end (up to DRAIN_BYTES) and dropped before the answer, so a client still sending gets the 413
    rather than a reset connection.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                while more and size <= DRAIN_BYTES:
                    message = await receive()
                    size += len(message.get("body", b""))
                    more = message["type"] == "http.request" and message.get("more_body", False)
                too_large = error(f"the body is larger than {self.limit} bytes")
                await JSONResponse(too_large, status_code=413)(scope, receive, send)
                return
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
