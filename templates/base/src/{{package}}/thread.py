"""The steel thread, end to end: data → model → versioned store → delivery → record."""

import hashlib
from collections.abc import Callable

import pandas as pd

from . import data, deliver
from .files import Delivery, write_run
from .model import PARAMETERS, Model, evaluate, gate, split, train
from .schema import Schema
from .settings import Settings
from .store import ModelStore

Say = Callable[[str], None]


def run(settings: Settings, schema: Schema, say: Say = print) -> tuple[Model, Delivery]:
    deliver.check(settings)  # a destination it cannot use stops the run before any training
    trained_on, scored = hashlib.sha256(), hashlib.sha256()  # the data's fingerprints
    training = data.load(settings.training_data, schema, labelled=True, digest=trained_on)
    say(f"run {settings.run_id}: {len(training)} training rows from {settings.training_data}")
    model = choose_model(training, trained_on.hexdigest(), schema, settings, say)
    model.check(schema)
    rows = data.read_chunks(settings.scoring_data, schema, labelled=False, digest=scored)
    delivery = deliver.deliver(model, rows, schema, settings)
    say(f"delivered {delivery.rows} predictions to {delivery.location} (model {model.version})")
    facts = {"model_version": model.version, "scoring_data": scored.hexdigest()}
    say(f"recorded the run in {write_run(settings.records, settings.run_id, delivery, facts)}")
    return model, delivery


def choose_model(
    training: pd.DataFrame, fingerprint: str, schema: Schema, settings: Settings, say: Say
) -> Model:
    """The model that delivers: the constant one on request, else the live one after the gate."""
    constant = Model.constant(training, schema)
    if settings.model == "constant":
        mean = "rate" if schema.binary else "mean"
        say(f"MODEL=constant: every row scores the training {mean} ({constant.version})")
        return constant
    store, (fitting, held_out) = ModelStore(settings.model_store), split(training, schema)
    candidate = train(fitting, schema, fingerprint)
    metric, hurdle = ("auc", settings.hurdle_auc) if schema.binary else ("r2", settings.hurdle_r2)
    score = evaluate(candidate, held_out, schema)
    metrics = {metric: score, f"baseline_{metric}": evaluate(constant, held_out, schema)}
    store.save(candidate, {"metrics": metrics, "parameters": PARAMETERS, "rows": len(fitting)})
    if (live := store.live()) == candidate.version:
        say(f"model {candidate.version} ({metric.upper()} {score}) is already live")
        return candidate
    try:
        live_model = store.load(live) if live else None
    except (OSError, ValueError, TypeError) as problem:
        say(f"the live model {live} cannot be read ({problem}): judged as absent")
        live_model = None
    comparable = live_model is not None and live_model.encoding == schema.encoding()
    live_score = evaluate(live_model, held_out, schema) if live_model and comparable else None
    reasons = gate(score, metrics[f"baseline_{metric}"], live_score, hurdle, metric)
    say("\n".join(f"  {reason}" for reason in reasons))
    if all(reason.startswith("pass") for reason in reasons):
        store.promote(candidate.version, reasons)
        say(f"promoted {candidate.version}")
        return candidate
    fallback = live_model or constant  # run() refuses a live model of another schema
    say(f"not promoted: {candidate.version} stays in the store; {fallback.version} delivers")
    return fallback
