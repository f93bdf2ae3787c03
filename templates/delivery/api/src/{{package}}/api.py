"""The API stub: POST /predict, GET /health, /ready and /version. Requests are checked strictly,
by the data checks' rules; every refusal is a 4xx in one shape that never echoes the input, and
a live model of another schema gets a 503 that says to retrain, never a 500."""

import json
from collections.abc import AsyncIterator
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

MAX_BODY_BYTES, DRAIN_BYTES = 1_000_000, 64_000_000
FLUSH_EVERY = 100  # predictions held in memory before they are appended to the record
# protected_namespaces=(): "model_version" is our field; pydantic before 2.10 warns of "model_".
STRICT = ConfigDict(extra="forbid", strict=True, protected_namespaces=())
ANSWER = ConfigDict(protected_namespaces=())
# Named here, not by Python's HTTP phrases (3.13 renamed 413 and 422): one contract on any Python.
REFUSALS = {400: "Bad Request", 413: "Content Too Large", 415: "Unsupported Media Type"}
REFUSALS |= {422: "Unprocessable Content", 503: "Service Unavailable"}


def _checked(column: Column) -> AfterValidator:
    def check(value: Any) -> Any:
        if isinstance(value, str):
            value.encode()  # JSON can carry a lone surrogate ("\ud800") that no answer could hold
        elif value in column.placeholders:
            raise ValueError(f"{value} is a placeholder meaning unknown")
        return value

    return AfterValidator(check)


def _annotation(column: Column) -> Any:
    if column.role in ("id", "pass-through"):
        return Annotated[str, Field(min_length=1, max_length=column.max_length), _checked(column)]
    if column.codes:
        return Literal[column.codes]
    kind = int if column.type == "integer" else float
    limits = Field(ge=kind(column.minimum), le=kind(column.maximum))
    return Annotated[kind, limits, _checked(column)]


def bodies(schema: Schema) -> tuple[type[BaseModel], type[BaseModel]]:
    """The request and the prediction, named in the consumer's words."""
    name = "".join(word.capitalize() for word in schema.words["entity"].split())
    required = schema.role("id") + schema.features
    fields: dict[str, Any] = {c.name: (_annotation(c), ...) for c in required}
    fields |= {c.name: (_annotation(c) | None, None) for c in schema.role("pass-through")}
    out: dict[str, Any] = {schema.entity: (str, ...), "score": (float, ...)}
    out |= {"model_version": (str, ...), **dict.fromkeys(schema.passed_through, (str | None, None))}
    prediction = create_model(f"{name}Prediction", __config__=ANSWER, **out)
    return create_model(name, __config__=STRICT, **fields), prediction


class Recorder:
    """Every prediction as a line of records/predictions.jsonl, appended FLUSH_EVERY at a time
    and at a clean stop, so a request costs no write: a crash can lose the last 99."""

    def __init__(self, path: Path, run_id: str | None) -> None:
        self.path, self.run_id, self.lines = path, run_id, list[str]()

    def add(self, version: str, row: dict[str, Any], score: float) -> None:
        at = datetime.now(UTC).isoformat()
        record = {"at": at, "run_id": self.run_id, "model_version": version, **row, "score": score}
        self.lines.append(json.dumps(record) + "\n")
        if len(self.lines) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.writelines(self.lines)
        self.lines.clear()


def create_app(model: Model, schema: Schema, records: Path, run_id: str | None = None) -> FastAPI:
    """The service for `model`, recording every prediction under `records` (`run_id` marks the
    thread's own, to tell them from the consumers')."""
    Row, Prediction = bodies(schema)  # noqa: N806 (classes)
    recorder, refusal = Recorder(records / "predictions.jsonl", run_id), None
    try:
        model.check(schema)
        model.score_one(schema.example())  # ready means it has scored a known row
    except SchemaMismatchError as mismatch:
        refusal = str(mismatch)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        recorder.flush()

    title, about = schema.words["score"].capitalize(), schema.words["scoreDescription"]
    app = FastAPI(title=title, version="1", description=about, lifespan=lifespan)
    app.add_middleware(JsonBodies)
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, refused)  # type: ignore[arg-type]
    responses: dict[int | str, Any] = {
        code: {"model": Error, "description": what} for code, what in REFUSALS.items()
    }

    @app.post("/predict", response_model=Prediction, responses=responses)
    async def predict(row: Row) -> dict[str, Any]:  # type: ignore[valid-type]
        if refusal:
            raise HTTPException(503, refusal)
        values = row.model_dump()  # type: ignore[attr-defined]
        score = round(model.score_one(values), 6)
        recorder.add(model.version, values, score)
        shown = {name: values[name] for name in (schema.entity, *schema.passed_through)}
        return shown | {"score": score, "model_version": model.version}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "model_version": model.version}

    @app.get("/ready", responses={503: responses[503]})
    async def ready() -> dict[str, str]:
        if refusal:
            raise HTTPException(503, refusal)
        return {"status": "ready", "model_version": model.version}

    @app.get("/version")
    async def version() -> dict[str, str]:
        return {"model_version": model.version, "generator_version": GENERATOR_VERSION}

    return app


class Error(BaseModel):
    error: str
    problems: list[dict[str, str]]


def error(status: int, summary: str, problems: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse({"error": summary, "problems": problems or []}, status_code=status)


async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    """Where and what, never the input (which may be huge or hostile)."""
    if any(e["type"] == "json_invalid" for e in exc.errors()):
        return error(400, "the body is not valid JSON")
    problems = [
        {"field": ".".join(map(str, e["loc"][1:])) or "body", "message": str(e["msg"])[:200]}
        for e in exc.errors()[:20]
    ]
    return error(422, "the request does not match the schema", problems)


async def refused(_: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's and FastAPI's own refusals (404, 405, ...) in the same shape."""
    return error(exc.status_code, str(exc.detail))


class JsonBodies:
    """Refuses a POST body that is not JSON (415), or over MAX_BODY_BYTES (413, chunked ones too:
    uvicorn sets no limit), before FastAPI reads it; the body read is handed on whole."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        kind = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind != b"application/json":
            refusal = error(415, "send the body as JSON (Content-Type: application/json)")
            return await refusal(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:  # an oversized body is read on and dropped, so the client gets the 413
            message = await receive()
            size += len(message.get("body", b""))
            chunks += [message.get("body", b"")] if size <= MAX_BODY_BYTES else []
            more = message.get("more_body", False) and size <= DRAIN_BYTES
        if size > MAX_BODY_BYTES:
            refusal = error(413, f"the body is over {MAX_BODY_BYTES} bytes")
            return await refusal(scope, receive, send)

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)
