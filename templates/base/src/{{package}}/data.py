"""The input data: its schema, and checks that stop the thread with a clear report.

Files are read as text and checked column by column, so a broken file gives every problem at
once (missing columns, wrong types, missing, out-of-range or placeholder values, unknown codes)
with the lines they are on, instead of a traceback from deep inside pandas or scikit-learn.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ENTITY = "customer_id"
LABEL = "bought"
CHUNK_ROWS = 25_000
SHOWN_LINES = 5


@dataclass(frozen=True)
class Number:
    name: str
    low: float
    high: float
    whole: bool = False
    placeholders: tuple[float, ...] = ()


@dataclass(frozen=True)
class Category:
    name: str
    codes: tuple[str, ...]
    placeholders: tuple[str, ...] = ("unknown", "n/a", "na", "none", "null", "?")


FEATURES: tuple[Number | Category, ...] = (
    Number("age", 18, 100, whole=True, placeholders=(0, 999)),
    Number("tenure_months", 0, 600, whole=True, placeholders=(-1, 9999)),
    Number("monthly_spend", 0, 5000, placeholders=(-1, 9999)),
    Category("region", ("north", "south", "east", "west")),
)
FEATURE_NAMES = tuple(feature.name for feature in FEATURES)


@dataclass
class DataError(Exception):
    """The data failed its checks; `problems` says what to fix, line by line."""

    source: str
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        count = len(self.problems)
        lines = [f"{self.source} failed {count} data check{'s' if count != 1 else ''}:"]
        return "\n".join(lines + [f"  - {problem}" for problem in self.problems])


def fingerprint(path: Path) -> str:
    """sha256 of the file's bytes: which data a model was trained on."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(path: Path, *, labelled: bool) -> pd.DataFrame:
    """The whole file, checked and typed."""
    return pd.concat(read_chunks(path, labelled=labelled), ignore_index=True)


def read_chunks(path: Path, *, labelled: bool, rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """The file in checked, typed chunks, so large files stream in bounded memory.

    Ids are checked for repeats within each chunk here; a delivery that sees every id (a ranked
    list, a table's primary key) catches repeats across chunks.
    """
    source = str(path)
    try:
        # index_col=False: rows with more fields than the header are an error, not an index.
        reader = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
            chunksize=rows,
            index_col=False,
        )
        rows_read = 0
        while (chunk := _next_chunk(reader)) is not None:
            if len(chunk) > 0:
                rows_read += len(chunk)
                yield check(chunk, labelled=labelled, source=source)
        if rows_read == 0:
            raise DataError(source, ["the file has a header but no rows"])
    except FileNotFoundError:
        raise DataError(source, ["the file does not exist"]) from None
    except pd.errors.EmptyDataError:
        raise DataError(source, ["the file is empty: no header, no rows"]) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        raise DataError(source, [f"not a well-formed CSV file: {error}"]) from None
    except UnicodeDecodeError as error:
        raise DataError(source, [f"not UTF-8 text (byte offset {error.start})"]) from None


def _next_chunk(reader: Iterator[pd.DataFrame]) -> pd.DataFrame | None:
    """The next chunk, or None at the end; pandas only warns of rows longer than the header."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return next(reader, None)


def check(raw: pd.DataFrame, *, labelled: bool, source: str) -> pd.DataFrame:
    """Checks a frame of text cells and returns it typed, or raises DataError with every problem."""
    expected = [ENTITY, *FEATURE_NAMES] + ([LABEL] if labelled else [])
    missing = [name for name in expected if name not in raw.columns]
    if missing:
        raise DataError(source, [f"missing column: {name}" for name in missing])
    problems: list[str] = []
    typed = pd.DataFrame(index=raw.index)
    typed[ENTITY] = _check_entity(raw[ENTITY], problems)
    for feature in FEATURES:
        cells = raw[feature.name]
        if isinstance(feature, Number):
            typed[feature.name] = _check_number(feature, cells, problems)
        else:
            typed[feature.name] = _check_category(feature, cells, problems)
    if labelled:
        label = Number(LABEL, 0, 1, whole=True)
        typed[LABEL] = _check_number(label, raw[LABEL], problems).astype("int64")
    if problems:
        raise DataError(source, problems)
    return typed


def repeated_ids(source: Path, ids: Iterable[str] = ()) -> DataError:
    """The report for ids that appear more than once in a file, found across its chunks."""
    shown = ", ".join(repr(entity) for entity in sorted(set(ids))[:SHOWN_LINES])
    return DataError(
        str(source), [f"{ENTITY}: ids appear more than once{': ' + shown if shown else ''}"]
    )


def _lines(mask: pd.Series) -> str:
    """Where the rows of `mask` are in the file: the header is line 1."""
    lines = [str(index + 2) for index in mask[mask].index[:SHOWN_LINES]]
    more = int(mask.sum()) - len(lines)
    return "line " + ", ".join(lines) + (f" and {more} more" if more > 0 else "")


def _report(problems: list[str], name: str, mask: pd.Series, what: str) -> None:
    if mask.any():
        problems.append(f"{name}: {int(mask.sum())} {what}, {_lines(mask)}")


def _check_entity(cells: pd.Series, problems: list[str]) -> pd.Series:
    ids = cells.str.strip()
    empty = ids == ""
    _report(problems, ENTITY, empty, "missing value(s)")
    _report(problems, ENTITY, ids.duplicated(keep=False) & ~empty, "repeated id(s)")
    return ids


def _check_number(feature: Number, cells: pd.Series, problems: list[str]) -> pd.Series:
    """Numbers are parsed straight from the text (spaces around them are allowed): making no
    stripped copies of a million cells keeps memory flat as files grow."""
    name = feature.name
    empty = (cells == "") | cells.str.isspace()
    _report(problems, name, empty, "missing value(s)")
    values = pd.to_numeric(cells.where(~empty), errors="coerce")
    _report(problems, name, values.isna() & ~empty, "value(s) not numbers")
    present = values.notna()
    if feature.whole:
        _report(problems, name, present & (values % 1 != 0), "value(s) not whole numbers")
    placeholder = present & values.isin(feature.placeholders)
    shown = ", ".join(f"{value:g}" for value in sorted(set(values[placeholder])))
    _report(problems, name, placeholder, f"placeholder value(s) ({shown})")
    outside = present & ~placeholder & ((values < feature.low) | (values > feature.high))
    _report(problems, name, outside, f"value(s) outside {feature.low:g} to {feature.high:g}")
    return values.astype("float64")


def _check_category(feature: Category, cells: pd.Series, problems: list[str]) -> pd.Series:
    name = feature.name
    codes = cells.str.strip().str.lower()
    empty = codes == ""
    _report(problems, name, empty, "missing value(s)")
    placeholder = codes.isin(feature.placeholders)
    _report(problems, name, placeholder, "placeholder value(s)")
    unknown = ~codes.isin(feature.codes) & ~empty & ~placeholder
    shown = ", ".join(repr(code) for code in sorted(set(cells[unknown]))[:SHOWN_LINES])
    _report(problems, name, unknown, f"unknown code(s) {shown} (known: {', '.join(feature.codes)})")
    return codes.astype(object)
