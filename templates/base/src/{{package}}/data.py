"""The input data, checked against the schema: a broken file stops with every problem and its
lines, never a traceback. The rules are the API's: whole numbers written whole, codes exact."""

import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

import fsspec
import numpy as np
import pandas as pd

from .schema import Field, Schema
from .settings import Place

CHUNK_ROWS = 25_000
SHOWN = 5
Chunks = Iterable[pd.DataFrame]  # checked, typed rows, a frame at a time, as read_chunks yields
Digest = Any  # a hashlib object, such as hashlib.sha256(): it takes in a file's bytes


@dataclass
class DataError(Exception):
    source: str
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        checks = f"{len(self.problems)} data check{'s' if len(self.problems) != 1 else ''}"
        return "\n  - ".join([f"{self.source} failed {checks}:", *self.problems])


class Hashed:
    """A binary file whose bytes go into `digest` as they are read: the data's fingerprint (which
    data a model was trained on, or scored) with no second read, nor a second download."""

    def __init__(self, file: IO[bytes], digest: Digest) -> None:
        self.file, self.digest = file, digest

    def read(self, size: int = -1) -> bytes:
        block = self.file.read(size)
        self.digest.update(block)
        return block


def load(path: Place, schema: Schema, *, labelled: bool, digest: Digest = None) -> pd.DataFrame:
    return pd.concat(read_chunks(path, schema, labelled=labelled, digest=digest), ignore_index=True)


def read_chunks(
    path: Place, schema: Schema, *, labelled: bool, rows: int = CHUNK_ROWS, digest: Digest = None
) -> Chunks:
    """Checked, typed chunks, for bounded memory (an id repeated across chunks is caught where
    every id is seen: the ranking, or the table's primary key); `digest` takes in the file's
    bytes. fsspec opens a URL as a path (pandas would hand sftp:// to urllib)."""
    source, read = str(path), 0
    try:  # index_col=False: a row longer than the header is an error, not an index; plain
        # objects, not pandas's str dtype, whose per-cell checks cost a third more here
        with (
            fsspec.open(path, "rb") as file,
            pd.read_csv(
                cast(IO[bytes], Hashed(file, digest)) if digest else file,  # read() is all it needs
                dtype=object,
                keep_default_na=False,
                index_col=False,
                chunksize=rows,
            ) as reader,
        ):
            while (chunk := _next_chunk(reader)) is not None:
                read += len(chunk)
                yield check(chunk, schema, labelled=labelled, source=source)
    except FileNotFoundError:
        raise DataError(source, ["the file does not exist"]) from None
    except pd.errors.EmptyDataError:
        raise DataError(source, ["the file is empty: no header, no rows"]) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        raise DataError(source, [f"not a well-formed CSV file: {error}"]) from None
    except UnicodeDecodeError as error:
        raise DataError(source, [f"not UTF-8 text (byte offset {error.start})"]) from None
    if read == 0:
        raise DataError(source, ["the file has a header but no rows"])


def _next_chunk(reader: Iterator[pd.DataFrame]) -> pd.DataFrame | None:
    with warnings.catch_warnings():  # how pandas says a first row is longer than the header
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return next((chunk for chunk in reader if len(chunk)), None)


def check(raw: pd.DataFrame, schema: Schema, *, labelled: bool, source: str) -> pd.DataFrame:
    """A frame of text cells, typed, or DataError with every problem."""
    expected = [f for f in schema.fields if labelled or f.role != "label"]
    missing = [f"missing column: {f.name}" for f in expected if f.name not in raw.columns]
    if missing:
        raise DataError(source, missing)
    problems: list[str] = []
    typed = pd.DataFrame({f.name: _check(f, raw[f.name], problems) for f in expected})
    if problems:
        raise DataError(source, problems)
    return typed


def repeated_ids(source: Place, schema: Schema, ids: Iterable[str] = ()) -> DataError:
    shown = ", ".join(repr(entity) for entity in sorted(set(ids))[:SHOWN])
    return DataError(str(source), [f"{schema.entity}: ids appear more than once: {shown}"])


def _check(column: Field, cells: pd.Series, problems: list[str]) -> pd.Series:
    """The column typed, and its problems added: what is wrong, how often, on which lines."""
    empty = (cells == "") | cells.str.isspace()
    failures = {"missing value(s)": empty}
    if column.role == "pass-through":
        failures, typed = {}, cells
    elif column.role == "id":
        failures[f"id(s) longer than {column.max_length}"] = cells.str.len() > column.max_length
        failures["repeated id(s)"] = cells.duplicated(keep=False) & ~empty
        typed = cells
    elif column.codes:  # a category, or a label of two values
        placeholder = cells.isin([str(value) for value in column.placeholders])
        if column.unlisted:
            cells = cells.where(cells.isin(column.codes) | empty | placeholder, column.unlisted)
        unknown = ~cells.isin(column.codes) & ~empty & ~placeholder
        shown = ", ".join(repr(code) for code in sorted(set(cells[unknown]))[:SHOWN])
        failures["placeholder value(s)"] = placeholder
        failures[f"unknown code(s) {shown} (known: {', '.join(column.codes)})"] = unknown
        label = column.role == "label"
        typed = cells.isin(column.positives).astype("int64") if label else cells.astype(object)
    else:
        typed = _numbers(column, cells, empty, failures)
        present = typed.notna()
        placeholder = present & typed.isin(column.placeholders)
        shown = ", ".join(f"{value:g}" for value in sorted(set(typed[placeholder])))
        failures[f"placeholder value(s) ({shown})"] = placeholder
        low, high = column.minimum, column.maximum
        outside = present & ~placeholder & ((typed < low) | (typed > high))
        failures[f"value(s) outside {low:g} to {high:g}"] = outside
    for what, mask in failures.items():
        if count := int(mask.sum()):
            lines = [str(index + 2) for index in mask[mask].index[:SHOWN]]  # the header is 1
            more = f" and {count - len(lines)} more" if count > len(lines) else ""
            problems.append(f"{column.name}: {count} {what}, line {', '.join(lines)}{more}")
    return typed


def _numbers(
    column: Field, cells: pd.Series, empty: pd.Series, failures: dict[str, pd.Series]
) -> pd.Series:
    """The cells as numbers: quickly where every cell is one (Python's int() and float() take
    spaces around, and int() refuses 42.0), else one by one, adding the cells that are not."""
    whole = column.type == "integer"
    try:
        quick = cells.to_numpy(dtype=object).astype(np.int64 if whole else np.float64)
        if not np.isnan(quick).any():  # float() reads "nan" as a number
            return pd.Series(quick, index=cells.index, dtype="float64")
    except (ValueError, OverflowError):
        pass
    typed = pd.to_numeric(cells.where(~empty), errors="coerce").astype("float64")
    failures["value(s) not numbers"] = typed.isna() & ~empty
    if whole:
        written_whole = cells.str.fullmatch(r"\s*[+-]?\d+\s*")
        failures["value(s) not whole numbers (write 42, not 42.0)"] = typed.notna() & ~written_whole
    return typed
