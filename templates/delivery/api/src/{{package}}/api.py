"""The API stub: an HTTP prediction service for software that asks when it needs a score.

    POST /predict        one row's features in; score and model version out
    POST /predict/batch  up to MAX_BATCH rows in one request
    GET  /health         the process is up; GET /ready: it can score (503 with why, if not)
    GET  /version        the model version and the generator version

The request model is built from the schema and checked strictly (pydantic's strict mode: "5" is
not a number, 42.0 not a whole one; NaN, Infinity, placeholders and unknown fields refused), the
same rules as the data checks. Every refusal is a 4xx in one shape that never echoes the input;
a live model of another schema gets a 503 saying to retrain, never a 500.
"""

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from . import GENERATOR_VERSION
from .model import Model, SchemaMismatchError
from .schema import Field as Column
from .schema import Schema

MAX_BODY_BYTES = 1_000_000
DRAIN_BYTES = 64_000_000
MAX_BATCH = 1_000
FLUSH_EVERY = 100  # predictions kept in memory before they are appended to the record
STRICT = ConfigDict(extra="forbid", strict=True, protected_namespaces=())


def _text(value: str) -> str:
    value.encode()  # JSON can carry a lone surrogate ("\ud800") that no answer could hold
    return value


def _not_placeholder(placeholders: tuple[Any, ...]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value in placeholders:
            raise ValueError(f"{value} is a placeholder meaning unknown")
        return value

    return check


def _field_type(column: Column) -> Any:
    if column.role in ("id", "pass-through"):
        length = Field(min_length=1, max_length=column.max_length)
        return Annotated[str, length, AfterValidator(_text)]
    if column.is_category:
        return Literal[column.codes]
    kind = int if column.type == "integer" else float
    limits = Field(ge=kind(column.minimum), le=kind(column.maximum))
    return Annotated[kind, limits, AfterValidator(_not_placeholder(column.placeholders))]


def request_models(schema: Schema) -> dict[str, type[BaseModel]]:
    """The request and response bodies, named in the consumer's words: row, batch, prediction
    and predictions."""
    name = "".join(word.capitalize() for word in schema.words["entity"].split()) or "Row"
    fields: dict[str, Any] = {
        c.name: (_field_type(c), ...) for c in schema.fields if c.role in ("id", "feature")
    }
    fields |= {c.name: (_field_type(c) | None, None) for c in schema.role("pass-through")}
    row = create_model(name, __config__=STRICT, **fields)
    rows = list[row]  # type: ignore[valid-type]
    batch = create_model(
        f"{name}Batch", __config__=STRICT, rows=(rows, Field(min_length=1, max_length=MAX_BATCH))
    )
    out: dict[str, Any] = dict.fromkeys(schema.passed_through, (str | None, None))
    out |= {schema.entity: (str, ...), "score": (float, ...), "model_version": (str, ...)}
    prediction = create_model(f"{name}Prediction", __config__=STRICT, **out)
    predictions = create_model(f"{name}Predictions", predictions=(list[prediction], ...))  # type: ignore[valid-type]
    return {"row": row, "batch": batch, "prediction": prediction, "predictions": predictions}


class Recorder:
    """Every prediction as a JSON line in records/predictions.jsonl, appended FLUSH_EVERY at a
    time and at a clean stop: a crash can lose the last FLUSH_EVERY - 1 records, no more."""

    def __init__(self, path: Path, run_id: str | None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.run_id, self.lines = path, run_id, list[str]()

    def add(self, version: str, rows: list[dict[str, Any]], scores: list[float]) -> None:
        at = datetime.now(UTC).isoformat()
        stamp = {"at": at, "run_id": self.run_id, "model_version": version}
        self.lines += [
            json.dumps({**stamp, **row, "score": s}) + "\n"
            for row, s in zip(rows, scores, strict=True)
        ]
        if len(self.lines) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.writelines(self.lines)
        self.lines.clear()


def create_app(
    model: Model,
    schema: Schema,
    records: Path,
    run_id: str | None = None,
    max_body: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The service for `model`, recording every prediction under `records` (`run_id` marks the
    thread's own, to tell them apart from the consumers')."""
    bodies = request_models(schema)
    Row, Batch = bodies["row"], bodies["batch"]  # noqa: N806 (types, named as types)
    recorder = Recorder(records / "predictions.jsonl", run_id)
    try:
        model.check(schema)
        refusal = None
        model.score_one(schema.example())  # ready means it has scored a known row
    except SchemaMismatchError as mismatch:
        refusal = str(mismatch)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        recorder.flush()

    words = schema.words
    app = FastAPI(
        title=words["score"].capitalize(),
        version="1",
        description=words["scoreDescription"],
        lifespan=lifespan,
    )
    app.add_middleware(JsonBodies, limit=max_body)
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, refused)  # type: ignore[arg-type]
    responses: dict[int | str, dict[str, Any]] = {
        code: {"model": Error} for code in (400, 413, 415, 422, 503)
    }

    def score(rows: list[BaseModel]) -> list[dict[str, Any]]:
        if refusal:
            raise HTTPException(503, refusal)
        values = [r.model_dump() for r in rows]
        scores = [round(model.score_one(v), 6) for v in values]
        recorder.add(model.version, values, scores)
        keep = (schema.entity, *schema.passed_through)
        return [
            {**{k: v[k] for k in keep}, "score": s, "model_version": model.version}
            for v, s in zip(values, scores, strict=True)
        ]

    @app.post("/predict", response_model=bodies["prediction"], responses=responses)
    async def predict(row: Row) -> dict[str, Any]:  # type: ignore[valid-type]
        return score([row])[0]

    @app.post("/predict/batch", response_model=bodies["predictions"], responses=responses)
    async def predict_batch(batch: Batch) -> dict[str, Any]:  # type: ignore[valid-type]
        return {"predictions": score(batch.rows)}  # type: ignore[attr-defined]

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "model_version": model.version}

    @app.get("/ready", responses={503: {"model": Error}})
    async def ready() -> dict[str, str]:
        if refusal:
            raise HTTPException(503, refusal)
        return {"status": "ready", "model_version": model.version}

    @app.get("/version")
    async def version() -> dict[str, str]:
        return {"model_version": model.version, "generator_version": GENERATOR_VERSION}

    return app


class Problem(BaseModel):
    field: str
    message: str


class Error(BaseModel):
    error: str
    problems: list[Problem]


def error(status: int, summary: str, problems: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse({"error": summary, "problems": problems or []}, status_code=status)


async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    """Where and what, never the input (which may be huge or hostile)."""
    errors = exc.errors()
    if any(e["type"] == "json_invalid" for e in errors):
        return error(400, "the body is not valid JSON")
    problems = [
        {"field": ".".join(str(p) for p in e["loc"][1:]) or "body", "message": str(e["msg"])}
        for e in errors[:20]
    ]
    return error(
        422,
        "the request does not match the schema",
        [{k: v[:200].encode(errors="replace").decode() for k, v in p.items()} for p in problems],
    )


async def refused(_: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's and FastAPI's own refusals (404, 405, ...) in the same shape."""
    return error(exc.status_code, str(exc.detail))


class JsonBodies:
    """Refuses a body that is not JSON (415) or is over `limit` bytes (413, chunked ones too:
    uvicorn sets no limit) before FastAPI reads it; the body read is handed on whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind != b"application/json":
            return await error(415, "send the body as JSON, with Content-Type: application/json")(
                scope, receive, send
            )
        chunks, size, more = [], 0, True
        while more:  # an oversized body is read on and dropped, so the client gets the 413
            message = await receive()
            size += len(message.get("body", b""))
            chunks += [message.get("body", b"")] if size <= self.limit else []
            more = message.get("more_body", False) and size <= DRAIN_BYTES
        if size > self.limit:
            return await error(413, f"the body is larger than {self.limit} bytes")(
                scope, receive, send
            )

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)
