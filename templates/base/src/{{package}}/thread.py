"""The steel thread, end to end: data → model → versioned store → delivery → record."""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from . import data, deliver
from .model import PARAMETERS, Model, auc, gate, split, train
from .record import write_run
from .schema import Schema
from .settings import Settings, new_run_id
from .store import ModelStore

Say = Callable[[str], None]


@dataclass(frozen=True)
class RunResult:
    run_id: str
    model_version: str
    rows: int
    location: str


def run(settings: Settings, schema: Schema, say: Say = print) -> RunResult:
    run_id = settings.run_id or new_run_id()
    deliver.check(settings)  # a destination it cannot use stops the run before any training
    training = data.load(settings.training_data, schema, labelled=True)
    say(f"run {run_id}: {len(training)} training rows from {settings.training_data}")
    model = choose_model(training, schema, settings, say)
    model.check(schema)
    rows = data.read_chunks(settings.scoring_data, schema, labelled=False)
    delivery = deliver.deliver(model, rows, schema, settings, run_id)
    say(f"delivered {delivery.rows} predictions to {delivery.location} (model {model.version})")
    facts = {
        "model_version": model.version,
        "scoring_data": data.fingerprint(settings.scoring_data),
    }
    say(f"recorded the run in {write_run(settings.records, run_id, delivery, facts)}")
    return RunResult(run_id, model.version, delivery.rows, delivery.location)


def choose_model(training: pd.DataFrame, schema: Schema, settings: Settings, say: Say) -> Model:
    """The model that delivers: the constant one on request, else the live one after the gate."""
    constant = Model.constant(training, schema)
    if settings.model == "constant":
        say(f"MODEL=constant: every row scores the training rate ({constant.version})")
        return constant
    store = ModelStore(settings.model_store)
    fitting, held_out = split(training, schema)
    candidate = train(fitting, schema, data.fingerprint(settings.training_data))
    metrics = {
        "auc": auc(candidate, held_out, schema),
        "baseline_auc": auc(constant, held_out, schema),
    }
    rows = {"training_rows": len(fitting), "held_out_rows": len(held_out)}
    store.save(candidate, {"metrics": metrics, "parameters": PARAMETERS, **rows})
    live = store.live()
    if live == candidate.version:
        say(f"model {candidate.version} (AUC {metrics['auc']}) is already live")
        return candidate
    live_model = load_live(store, live, say)
    comparable = live_model is not None and live_model.encoding == schema.encoding()
    live_auc = auc(live_model, held_out, schema) if live_model and comparable else None
    reasons = gate(metrics["auc"], metrics["baseline_auc"], live_auc, settings.hurdle_auc)
    say("\n".join(f"  {reason}" for reason in reasons))
    if all(reason.startswith("pass") for reason in reasons):
        store.promote(candidate.version, reasons)
        say(f"promoted {candidate.version}")
        return candidate
    fallback = live_model or constant  # run() refuses a live model of another schema
    say(f"not promoted: {candidate.version} stays in the store; {fallback.version} delivers")
    return fallback


def load_live(store: ModelStore, version: str | None, say: Say) -> Model | None:
    """The live model, or None: none promoted yet, or its files cannot be read."""
    if version is None:
        return None
    try:
        return store.load(version)
    except (OSError, ValueError, KeyError, TypeError) as problem:
        say(f"the live model {version} cannot be read ({problem!r}): judged as absent")
        return None
