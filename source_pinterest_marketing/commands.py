"""The command lines of the helpers installed beside the connector: `source-pinterest-marketing-<name>`, or `<name>`
named first to the connector's entry point (the Docker image's: run.HELPERS)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Optional

PROGRAM = "source-pinterest-marketing"
#: a helper's exit code when a problem the person can fix stopped it (one `error:` line on stderr says which)
EXIT_ERROR = 2


def helper_parser(name: str, description: str, config_help: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser of the helper `name` (its usage says `source-pinterest-marketing-<name>`); with `config_help`, its
    required `--config` (the connector's config file)."""
    parser = argparse.ArgumentParser(prog=f"{PROGRAM}-{name}", description=description)
    if config_help is not None:
        parser.add_argument("--config", required=True, help=config_help)
    return parser


def run_helper(
    run: Callable[[argparse.Namespace], int], args: argparse.Namespace, problems: tuple[type[Exception], ...]
) -> int:
    """`run(args)`, its exit code; a problem the person can fix (one of `problems`) is one `error:` line on stderr and
    `EXIT_ERROR`."""
    try:
        return run(args)
    except problems as problem:
        sys.stderr.write(f"error: {problem}\n")
        sys.stderr.flush()
        return EXIT_ERROR
