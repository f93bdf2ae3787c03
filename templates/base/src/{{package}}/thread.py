"""The steel thread, end to end: data → model → versioned store → delivery → record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from . import data, evaluate
from .deliver import deliver
from .model import PARAMETERS, ConstantModel, Model, train
from .record import write_run
from .settings import Settings, new_run_id
from .store import ModelStore

Say = Callable[[str], None]


@dataclass(frozen=True)
class RunResult:
    run_id: str
    model_version: str
    rows: int
    location: str


def run(settings: Settings, say: Say = print) -> RunResult:
    run_id = settings.run_id or new_run_id()
    training = data.load(settings.training_data, labelled=True)
    say(f"run {run_id}: {len(training)} training rows from {settings.training_data}")
    model = choose_model(training, settings, say)
    customers = data.read_chunks(settings.scoring_data, labelled=False)
    delivery = deliver(model, customers, settings, run_id)
    say(f"delivered {delivery.rows} predictions to {delivery.location} (model {model.version})")
    record = write_run(
        settings.records,
        run_id,
        {
            "model_version": model.version,
            "rows": delivery.rows,
            "delivered_to": delivery.location,
            "scores": delivery.scores.as_dict(),
            "scoring_data": data.fingerprint(settings.scoring_data),
        },
    )
    say(f"recorded the run in {record}")
    return RunResult(run_id, model.version, delivery.rows, delivery.location)


def choose_model(training: pd.DataFrame, settings: Settings, say: Say) -> Model:
    """The model that delivers: the constant one on request, else the live one after the gate."""
    constant = ConstantModel.from_training(training)
    if settings.model == "constant":
        say(f"MODEL=constant: every customer scores {constant.rate} ({constant.version})")
        return constant

    store = ModelStore(settings.model_store)
    fitting, held_out = evaluate.split(training)
    candidate = train(fitting)
    metrics = {
        "auc": evaluate.auc(candidate, held_out),
        "baseline_auc": evaluate.auc(constant, held_out),
        "top_decile_rate": evaluate.top_decile_rate(candidate, held_out),
        "base_rate": constant.rate,
    }
    store.save(
        candidate,
        {
            "metrics": metrics,
            "parameters": PARAMETERS,
            "training_rows": len(fitting),
            "held_out_rows": len(held_out),
            "data_fingerprint": data.fingerprint(settings.training_data),
        },
    )
    live = store.live()
    if live == candidate.version:
        say(f"model {candidate.version} (AUC {metrics['auc']}) is already live")
        return candidate
    live_model = load_live(store, live, say)
    live_auc = evaluate.auc(live_model, held_out) if live_model else None
    decision = evaluate.gate(metrics["auc"], metrics["baseline_auc"], live_auc, settings.hurdle_auc)
    for reason in decision.reasons:
        say(f"  {reason}")
    if decision.promote:
        store.promote(candidate.version, decision.reasons)
        say(f"promoted {candidate.version}")
        return candidate
    fallback = live_model or constant
    say(f"not promoted: {candidate.version} stays in the store; {fallback.version} delivers")
    return fallback


def load_live(store: ModelStore, version: str | None, say: Say) -> Model | None:
    """The live model, or None: none promoted yet, or one these package versions cannot load."""
    if version is None:
        return None
    try:
        return store.load(version)
    except Exception as problem:  # a pickle from other library versions raises almost anything
        say(f"the live model {version} cannot be loaded here ({problem!r}): judged as absent")
        return None
