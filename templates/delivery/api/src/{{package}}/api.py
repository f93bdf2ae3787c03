"""The API stub: POST /predict, GET /health, /ready and /version, as the README describes."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, ConfigDict, Field, create_model
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import GENERATOR_VERSION
from .model import Model, SchemaMismatchError
from .schema import Field as Column
from .schema import Schema

MAX_BODY_BYTES, DRAIN_BYTES = 1_000_000, 64_000_000
FLUSH_EVERY = 100  # predictions held in memory before they are appended to the record
# protected_namespaces=(): "model_version" is our field; pydantic before 2.10 warns of "model_".
STRICT = ConfigDict(extra="forbid", strict=True, protected_namespaces=())
ANSWER = ConfigDict(protected_namespaces=())
Error = create_model("Error", error=(str, ...), problems=(list[dict[str, str]], ...))
# Named here, not by Python's HTTP phrases (3.13 renamed 413 and 422): one contract on any Python.
PHRASES = {400: "Bad Request", 413: "Content Too Large", 415: "Unsupported Media Type"}
PHRASES |= {422: "Unprocessable Content", 503: "Service Unavailable"}
REFUSALS: dict[int | str, Any] = {c: {"model": Error, "description": p} for c, p in PHRASES.items()}


def _annotation(column: Column) -> Any:
    """The column's type and limits, by the data checks' rules. A length limit also makes pydantic
    refuse a lone surrogate ("\\ud800"), which JSON can carry but no answer could hold."""
    if column.role in ("id", "pass-through"):
        return Annotated[str, Field(min_length=1, max_length=column.max_length)]
    if column.codes:
        return Literal[column.codes]
    kind = int if column.type == "integer" else float

    def known(value: float) -> float:
        if value in column.placeholders:
            raise ValueError(f"{value} is a placeholder meaning unknown")
        return value

    limits = Field(ge=kind(column.minimum), le=kind(column.maximum))
    return Annotated[kind, limits, AfterValidator(known)]


def create_app(model: Model, schema: Schema, records: Path, run_id: str | None = None) -> FastAPI:
    """The service for `model`, appending each prediction to `records`/predictions.jsonl
    (`run_id` marks the thread's own, to tell them from the consumers')."""
    name = "".join(word.capitalize() for word in schema.words["entity"].split())
    required = schema.role("id") + schema.features
    row: dict[str, Any] = {c.name: (_annotation(c), ...) for c in required}
    row |= {c.name: (_annotation(c) | None, None) for c in schema.role("pass-through")}
    answer = {schema.entity: str, "score": float, "model_version": str}
    out: dict[str, Any] = {field: (kind, ...) for field, kind in answer.items()}
    out |= dict.fromkeys(schema.passed_through, (str | None, None))
    Row = create_model(name, __config__=STRICT, **row)  # noqa: N806 (classes)
    Prediction = create_model(f"{name}Prediction", __config__=ANSWER, **out)  # noqa: N806
    refusal, lines = None, list[str]()  # lines: the records not appended yet
    try:
        model.check(schema)
        model.score_one(schema.example())  # ready means it has scored a known row
    except SchemaMismatchError as mismatch:
        refusal = str(mismatch)

    def flush() -> None:  # every FLUSH_EVERY predictions and at a clean stop: a crash loses < 100
        records.mkdir(parents=True, exist_ok=True)
        with (records / "predictions.jsonl").open("a", encoding="utf-8") as handle:
            handle.writelines(lines)
        lines.clear()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        flush()

    title, about = schema.words["score"].capitalize(), schema.words["scoreDescription"]
    app = FastAPI(title=title, version="1", description=about, lifespan=lifespan)
    app.add_exception_handler(RequestValidationError, refused)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, refused)  # type: ignore[arg-type]
    app.add_middleware(json_bodies)

    @app.post("/predict", response_model=Prediction, responses=REFUSALS)
    async def predict(row: Row) -> dict[str, Any]:  # type: ignore[valid-type]
        await ready()  # a 503 unless the model can score rows of this schema
        values = row.model_dump()  # type: ignore[attr-defined]
        at, version = datetime.now(UTC).isoformat(), model.version
        score = round(model.score_one(values), 6)
        record = {"at": at, "run_id": run_id, "model_version": version, **values, "score": score}
        lines.append(json.dumps(record) + "\n")
        if len(lines) >= FLUSH_EVERY:
            flush()
        return record  # the response model keeps the id, the pass-throughs, score and version

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "model_version": model.version}

    @app.get("/ready", responses={503: REFUSALS[503]})
    async def ready() -> dict[str, str]:
        if refusal:
            raise HTTPException(503, refusal)
        return {"status": "ready", "model_version": model.version}

    @app.get("/version")
    async def version() -> dict[str, str]:
        return {"model_version": model.version, "generator_version": GENERATOR_VERSION}

    return app


async def refused(_: Request, exc: HTTPException | RequestValidationError) -> JSONResponse:
    """Every refusal in one shape, Starlette's own (404, 405, ...) too: what and where, never the
    input (which may be huge or hostile)."""
    problems: list[dict[str, str]] = []
    if isinstance(exc, HTTPException):
        status, summary = exc.status_code, str(exc.detail)
    elif any(e["type"] == "json_invalid" for e in exc.errors()):
        status, summary = 400, "the body is not valid JSON"
    else:
        status, summary = 422, "the request does not match the schema"
        problems = [
            {"field": ".".join(map(str, e["loc"][1:])) or "body", "message": str(e["msg"])[:200]}
            for e in exc.errors()[:20]
        ]
    return JSONResponse({"error": summary, "problems": problems}, status_code=status)


def json_bodies(app: ASGIApp) -> ASGIApp:
    """Refuses a body that is not JSON (415), or over MAX_BODY_BYTES (413, chunked ones too:
    uvicorn sets no limit), as FastAPI reads it: FastAPI hands the HTTPException to `refused`."""

    async def checked(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)
        kind = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        size = 0

        async def receive_json() -> Message:
            nonlocal size
            if kind != b"application/json":
                raise HTTPException(415, "send the body as JSON (Content-Type: application/json)")
            message = await receive()
            size += len(message.get("body", b""))
            while size > MAX_BODY_BYTES and message.get("more_body") and size <= DRAIN_BYTES:
                message = await receive()  # read on and dropped, so that the client gets its 413
                size += len(message.get("body", b""))
            if size > MAX_BODY_BYTES:
                raise HTTPException(413, f"the body is over {MAX_BODY_BYTES} bytes")
            return message

        await app(scope, receive_json, send)

    return checked
