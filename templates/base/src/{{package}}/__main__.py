"""The command line: `python -m <package> thread`, `contract`, and the delivery form's own."""

import argparse
import sys
from pathlib import Path

from . import deliver
from .data import DataError
from .model import SchemaMismatchError
from .schema import Schema, SchemaError, load
from .settings import ConfigError, Settings
from .thread import run


def thread(settings: Settings, schema: Schema) -> int:
    run(settings, schema)
    return 0


def contract(settings: Settings, schema: Schema) -> int:
    """Rewrites the contracts that come from contract/schema.json (run from the checkout)."""
    for name, text in deliver.contracts(schema).items():
        path = Path("contract", name)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    commands = {"thread": thread, "contract": contract, **deliver.COMMANDS}
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}")
    parser.add_argument("command", choices=sorted(commands))
    try:
        return commands[parser.parse_args(argv).command](Settings.from_env(), load())
    except (DataError, ConfigError, SchemaError, SchemaMismatchError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
