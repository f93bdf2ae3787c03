"""The one schema, `contract/schema.json` (a Frictionless Table Schema with a `role` per field:
id, feature, label, pass-through; see the README): every check, encoding and contract comes
from it. `placeholders` are values meaning "unknown"; `words` are what the consumer sees."""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROLES = ("id", "feature", "label", "pass-through")
TYPES = ("integer", "number", "string")


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
    codes: tuple[str, ...] = ()
    placeholders: tuple[float | str, ...] = ()
    max_length: int = 64

    @property
    def is_category(self) -> bool:
        return self.type == "string"

    def typical(self) -> float | str:
        """A valid, unremarkable value: the middle of the range, or the first code."""
        middle = (self.minimum + self.maximum) / 2
        if self.is_category:
            return self.codes[0]
        return round(middle) if self.type == "integer" else round(middle, 2)


@dataclass(frozen=True)
class Schema:
    fields: tuple[Field, ...]
    words: dict[str, str]

    def role(self, role: str) -> tuple[Field, ...]:
        return tuple(field for field in self.fields if field.role == role)

    @property
    def entity(self) -> str:
        return self.role("id")[0].name

    @property
    def label(self) -> str:
        return self.role("label")[0].name

    @property
    def features(self) -> tuple[Field, ...]:
        return self.role("feature")

    @property
    def passed_through(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.role("pass-through"))

    def encoding(self) -> list[dict[str, Any]]:
        """What a model trained on this schema depends on: each feature's name, type and codes."""
        return [{"name": f.name, "type": f.type, "codes": list(f.codes)} for f in self.features]

    def example(self, entity: str = "example-1") -> dict[str, Any]:
        """A valid row to score: the contract's example request, and the tests' starting point."""
        passed = {name: f"{name} of {entity}" for name in self.passed_through}
        return {self.entity: entity, **{f.name: f.typical() for f in self.features}, **passed}


def load(path: Path | None = None) -> Schema:
    path = path or contract_file("schema.json")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        schema = Schema(tuple(_field(**entry) for entry in raw["fields"]), raw.get("words", {}))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SchemaError(f"{path}: {error}") from None
    roles, names = [f.role for f in schema.fields], {f.name for f in schema.fields}
    if roles.count("id") != 1 or roles.count("label") != 1 or "feature" not in roles:
        raise SchemaError(f"{path}: needs one id field, one label and at least one feature")
    if len(names) < len(roles):
        raise SchemaError(f"{path}: a field name appears twice")
    return schema


def _field(constraints: dict[str, Any] | None = None, **entry: Any) -> Field:
    limits = constraints or {}
    field = Field(
        **{key: entry[key] for key in ("name", "type", "role", "description") if key in entry},
        minimum=float(limits.get("minimum", -math.inf)),
        maximum=float(limits.get("maximum", math.inf)),
        codes=tuple(str(code) for code in limits.get("enum", ())),
        placeholders=tuple(entry.get("placeholders", ())),
        max_length=int(limits.get("maxLength", 64)),
    )
    bounded = math.isfinite(field.minimum) and math.isfinite(field.maximum)
    if field.type not in TYPES or field.role not in ROLES:
        raise ValueError(f"{field.name}: the type must be one of {TYPES}, the role one of {ROLES}")
    if field.role == "feature" and not (field.codes if field.is_category else bounded):
        raise ValueError(f"{field.name}: a feature needs codes (enum) or a minimum and a maximum")
    return field
