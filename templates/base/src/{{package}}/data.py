"""The input data, checked against the schema: a broken file stops with a report of every
problem and its lines (missing columns, wrong types, missing, out-of-range or placeholder values,
unknown codes), never a traceback. The rules are the API's: whole numbers whole, codes exact."""

import hashlib
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .schema import Field, Schema

CHUNK_ROWS = 25_000
SHOWN = 5


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


def load(path: Path, schema: Schema, *, labelled: bool) -> pd.DataFrame:
    return pd.concat(read_chunks(path, schema, labelled=labelled), ignore_index=True)


def read_chunks(
    path: Path, schema: Schema, *, labelled: bool, rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """Checked, typed chunks, so large files stream in bounded memory (ids repeated across
    chunks are caught where every id is seen: the ranking, or the table's primary key)."""
    source, rows_read = str(path), 0
    try:
        # index_col=False: a row longer than the header is an error, not an index.
        with pd.read_csv(
            path, dtype=str, keep_default_na=False, index_col=False, chunksize=rows
        ) as reader:
            while (chunk := _next_chunk(reader)) is not None:
                rows_read += len(chunk)
                yield check(chunk, schema, labelled=labelled, source=source)
    except FileNotFoundError:
        raise DataError(source, ["the file does not exist"]) from None
    except pd.errors.EmptyDataError:
        raise DataError(source, ["the file is empty: no header, no rows"]) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        raise DataError(source, [f"not a well-formed CSV file: {error}"]) from None
    except UnicodeDecodeError as error:
        raise DataError(source, [f"not UTF-8 text (byte offset {error.start})"]) from None
    if rows_read == 0:
        raise DataError(source, ["the file has a header but no rows"])


def _next_chunk(reader: Iterator[pd.DataFrame]) -> pd.DataFrame | None:
    """The next chunk with rows, or None; pandas only warns of rows longer than the header."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return next((chunk for chunk in reader if len(chunk) > 0), None)


def check(raw: pd.DataFrame, schema: Schema, *, labelled: bool, source: str) -> pd.DataFrame:
    """A frame of text cells, typed, or DataError with every problem."""
    expected = [f for f in schema.fields if labelled or f.role != "label"]
    missing = [f"missing column: {f.name}" for f in expected if f.name not in raw.columns]
    if missing:
        raise DataError(source, missing)
    problems: list[str] = []
    typed = pd.DataFrame(index=raw.index)
    for column in expected:
        cells = raw[column.name]
        if column.role == "id":
            typed[column.name] = _check_id(column, cells, problems)
        elif column.role == "pass-through":
            typed[column.name] = cells
        elif column.is_category or column.role == "label":
            typed[column.name] = _check_code(column, cells, problems)
        else:
            typed[column.name] = _check_number(column, cells, problems)
    if problems:
        raise DataError(source, problems)
    if labelled:
        typed[schema.label] = typed[schema.label].astype("int64")
    return typed


def repeated_ids(source: Path, schema: Schema, ids: Iterable[str] = ()) -> DataError:
    shown = ", ".join(repr(entity) for entity in sorted(set(ids))[:SHOWN])
    return DataError(str(source), [f"{schema.entity}: ids appear more than once: {shown}"])


def _report(problems: list[str], name: str, mask: pd.Series, what: str) -> None:
    """Adds `what` to the problems when any row is in `mask`, with its lines (header: line 1)."""
    if mask.any():
        lines = [str(index + 2) for index in mask[mask].index[:SHOWN]]
        more = int(mask.sum()) - len(lines)
        where = ", ".join(lines) + (f" and {more} more" if more > 0 else "")
        problems.append(f"{name}: {int(mask.sum())} {what}, line {where}")


def _check_id(column: Field, cells: pd.Series, problems: list[str]) -> pd.Series:
    empty = cells == ""
    _report(problems, column.name, empty, "missing value(s)")
    long = cells.str.len() > column.max_length
    _report(problems, column.name, long, f"id(s) longer than {column.max_length} characters")
    _report(problems, column.name, cells.duplicated(keep=False) & ~empty, "repeated id(s)")
    return cells


def _check_number(column: Field, cells: pd.Series, problems: list[str]) -> pd.Series:
    """Parsed straight from the text (spaces around are fine): no stripped copies of a million
    cells, so memory stays flat as files grow."""
    name, empty = column.name, (cells == "") | cells.str.isspace()
    _report(problems, name, empty, "missing value(s)")
    values = pd.to_numeric(cells.where(~empty), errors="coerce")
    _report(problems, name, values.isna() & ~empty, "value(s) not numbers")
    present = values.notna()
    if column.type == "integer":
        fraction = present & ~cells.str.fullmatch(r"\s*[+-]?\d+\s*")
        _report(problems, name, fraction, "value(s) not whole numbers (write 42, not 42.0)")
    placeholder = present & values.isin(column.placeholders)
    shown = ", ".join(f"{value:g}" for value in sorted(set(values[placeholder])))
    _report(problems, name, placeholder, f"placeholder value(s) ({shown})")
    low, high = column.minimum, column.maximum
    outside = present & ~placeholder & ((values < low) | (values > high))
    _report(problems, name, outside, f"value(s) outside {low:g} to {high:g}")
    return values.astype("float64")


def _check_code(column: Field, cells: pd.Series, problems: list[str]) -> pd.Series:
    empty = cells == ""
    _report(problems, column.name, empty, "missing value(s)")
    placeholder = cells.isin([str(value) for value in column.placeholders])
    _report(problems, column.name, placeholder, "placeholder value(s)")
    unknown = ~cells.isin(column.codes) & ~empty & ~placeholder
    shown = ", ".join(repr(code) for code in sorted(set(cells[unknown]))[:SHOWN])
    what = f"unknown code(s) {shown} (known: {', '.join(column.codes)})"
    _report(problems, column.name, unknown, what)
    return cells.astype(object)
