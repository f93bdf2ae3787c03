"""The one schema, contract/schema.json: a Frictionless Table Schema with a `role` per field
(see the README). Every check, encoding and contract comes from it."""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SchemaError(ValueError):
    """contract/schema.json is not a schema this project can use."""


def contract_file(name: str) -> Path:
    """A contract: the copy built into an installed wheel, else the checkout's contract/."""
    packaged = Path(__file__).parent / "contract" / name
    return packaged if packaged.exists() else Path(__file__).parents[2] / "contract" / name


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    role: str = "feature"
    description: str = ""
    minimum: float = -math.inf
    maximum: float = math.inf
    codes: tuple[str, ...] = ()  # a category's codes, or a binary label's values
    positives: tuple[str, ...] = ("1",)  # the label's values that mean 1
    placeholders: tuple[float | str, ...] = ()  # values that mean "unknown": refused
    unlisted: str = ""  # the code that any code not listed counts as (rare ones, say)
    max_length: int = 64

    def typical(self) -> float | str:
        """A valid, unremarkable value: the first code, or the middle of the range."""
        middle = (self.minimum + self.maximum) / 2
        if self.codes:
            return self.codes[0]
        return round(middle) if self.type == "integer" else round(middle, 2)


@dataclass(frozen=True)
class Schema:
    fields: tuple[Field, ...]
    words: dict[str, str]  # what the consumer sees: an entity, and what the score means

    def role(self, role: str) -> tuple[Field, ...]:
        return tuple(field for field in self.fields if field.role == role)

    @property
    def entity(self) -> str:
        return self.role("id")[0].name

    @property
    def label(self) -> str:
        return self.role("label")[0].name

    @property
    def binary(self) -> bool:
        """A label of two values (a probability is scored), else a number (it is predicted)."""
        return bool(self.role("label")[0].codes)

    @property
    def features(self) -> tuple[Field, ...]:
        return self.role("feature")

    @property
    def passed_through(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.role("pass-through"))

    def encoding(self) -> list[dict[str, Any]]:
        """What a model trained on this schema depends on: the name, type and codes of each
        feature and of the label."""
        fields = (*self.features, *self.role("label"))
        return [{"name": f.name, "type": f.type, "codes": list(f.codes)} for f in fields]

    def example(self, entity: str = "example-1") -> dict[str, Any]:
        """A valid row to score: the contract's example request, and the tests' starting point."""
        row = {self.entity: entity, **{f.name: f.typical() for f in self.features}}
        return row | {name: f"{name} of {entity}" for name in self.passed_through}


def load(path: Path | None = None) -> Schema:
    path = path or contract_file("schema.json")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        schema = Schema(tuple(_field(**entry) for entry in raw["fields"]), raw["words"])
        roles = [field.role for field in schema.fields]
        if roles.count("id") != 1 or roles.count("label") != 1 or "feature" not in roles:
            raise ValueError("it needs one id field, one label and at least one feature")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SchemaError(f"{path}: {error}") from None
    return schema


def _field(constraints: dict[str, Any] | None = None, **entry: Any) -> Field:
    """A field; a boolean label's trueValues are its positives (Frictionless's own keys)."""
    limits, keys = constraints or {}, ("name", "type", "role", "description", "placeholders")
    true, false = entry.get("trueValues", []), entry.get("falseValues", [])
    field = Field(
        **{key: entry[key] for key in keys if key in entry},
        minimum=float(limits.get("minimum", -math.inf)),
        maximum=float(limits.get("maximum", math.inf)),
        codes=tuple(str(code) for code in limits.get("enum", false + true)),
        positives=tuple(true) or ("1",),
        unlisted=str(entry.get("unlistedCodesAs", "")),
        max_length=int(limits.get("maxLength", 64)),
    )
    bounded = math.isfinite(field.minimum) and math.isfinite(field.maximum)
    if field.role == "feature" and not (field.codes if field.type == "string" else bounded):
        raise ValueError(f"{field.name}: a feature needs codes (enum) or a minimum and a maximum")
    return field
