"""Read source-pinterest-marketing with PyAirbyte into its default local cache (DuckDB) and print the counts.

Needs `pip install airbyte` and this project (`pip install -e .`) in the same environment; see docs/pyairbyte.md.

    python examples/pyairbyte_read.py                       # against the bundled simulator (no credentials)
    python examples/pyairbyte_read.py --config secrets/config.json --streams ad_accounts campaigns

Pinterest rotates the refresh token on every refresh: the connector announces each new one in a CONTROL message,
and `config_change_callback` below keeps the source's config (and, with --config, the file) up to date, so the next
run still authenticates.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import airbyte as ab

from pinterest_simulator import Simulator

CONNECTOR = "source-pinterest-marketing"
DEFAULT_STREAMS = ("ad_accounts", "campaigns", "boards")


def connector_executable() -> str:
    """The connector's console script: next to this interpreter (same venv) or on PATH."""
    beside = Path(sys.executable).parent / CONNECTOR
    found = str(beside) if beside.exists() else shutil.which(CONNECTOR)
    if not found:
        raise SystemExit(f"{CONNECTOR} is not installed here: run `pip install -e .` in the project checkout.")
    return found


def save_config(path: Path, config: dict[str, Any]) -> None:
    """Write the (rotated) config back, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)  # also when the file existed with a wider mode
        file.write(json.dumps(config, indent=2) + "\n")


def read_counts(config: dict[str, Any], streams: Sequence[str], config_path: Optional[Path] = None) -> dict[str, int]:
    """Check the connection, read `streams` into the default DuckDB cache, return the records per stream."""
    source: Optional[ab.Source] = None

    def on_config_change(new_config: dict[str, Any]) -> None:
        if source is not None:
            source.set_config(new_config, validate=False)
        if config_path is not None:
            save_config(config_path, new_config)

    source = ab.get_source(
        CONNECTOR,
        config=config,
        local_executable=connector_executable(),
        config_change_callback=on_config_change,
    )
    source.check()
    # PyAirbyte asks for `incremental` on every stream: streams with a cursor sync incrementally,
    # the others are read in full. The default cache is DuckDB under ./.cache (or $AIRBYTE_CACHE_ROOT).
    result = source.read(streams=list(streams))
    counts = {name: len(result[name]) for name in streams}
    return {name: counts[name] for name in streams}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="A connector config file (default: start the simulator).")
    parser.add_argument("--streams", nargs="+", default=list(DEFAULT_STREAMS), help="Streams to read.")
    args = parser.parse_args(argv)

    if args.config:
        counts = read_counts(json.loads(args.config.read_text()), args.streams, args.config)
    else:
        with Simulator(preset="small", seed=1) as sim:
            counts = read_counts(sim.connector_config(), args.streams)
    for name, count in counts.items():
        print(f"{name}: {count} records")
    print(f"cache: {ab.get_default_cache().db_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
