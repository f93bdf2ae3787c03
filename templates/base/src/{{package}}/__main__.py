"""The command line: `python -m <package> thread` (and the delivery form's own commands)."""

from __future__ import annotations

import argparse
import sys

from .data import DataError
from .deliver import COMMANDS
from .settings import ConfigError, Settings
from .thread import run


def thread(settings: Settings) -> int:
    run(settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    commands = {"thread": thread, **COMMANDS}
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}")
    parser.add_argument("command", choices=sorted(commands))
    args = parser.parse_args(argv)
    try:
        return commands[args.command](Settings.from_env())
    except (DataError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
