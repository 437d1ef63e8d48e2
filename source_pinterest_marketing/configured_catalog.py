"""`source-pinterest-marketing-catalog` (in the Docker image: `catalog`): the configured catalog `read --catalog`
needs, in one command, from what `discover` answers for the config.

For each stream chosen (default: every stream of the config, custom reports included, but those that need a scope
beyond the default ones, such as `billing:read`: named with `--streams`, they are included) it picks the sync mode:
incremental where the stream supports it, else full refresh (or the one `--sync-mode` forces), and the destination
sync mode that goes with it: `append_dedup` on the stream's primary key for incremental, `overwrite` for full
refresh. Inside Airbyte the connection's settings make the catalog; this is for running the connector by hand.

The catalog goes to stdout (or `--output`); messages go to stderr. Errors are one line, exit code 2: an unknown
stream is named, with the closest known name.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import sys
from collections.abc import Sequence
from typing import Optional

from airbyte_cdk.models import (
    AirbyteCatalog,
    AirbyteStream,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConfiguredAirbyteStream,
    DestinationSyncMode,
    SyncMode,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.commands import helper_parser, run_helper
from source_pinterest_marketing.inputs import read_config_file
from source_pinterest_marketing.local_files import write_json, write_problem
from source_pinterest_marketing.scopes import AUTHORIZE_HELPER, EXTRA_SCOPES_OPTION, beyond_default, listed
from source_pinterest_marketing.source import SourcePinterestMarketing
from source_pinterest_marketing.streams import DECLARATIONS

#: `--sync-mode` values: `auto` is incremental where supported, else full refresh
AUTO = "auto"
SYNC_MODES = (AUTO, SyncMode.incremental.value, SyncMode.full_refresh.value)
#: each registered stream's API operation (its scopes: scopes.py)
OPERATIONS = {declaration.name: declaration.operation for declaration in DECLARATIONS}
#: a catalog holds no secret: readable like any file the person writes
CATALOG_FILE_MODE = 0o644


class CatalogError(Exception):
    """A problem the person can fix; its message is shown as is."""


def _parser() -> argparse.ArgumentParser:
    parser = helper_parser(
        "catalog",
        "Write the configured catalog `read --catalog` needs, from what `discover` answers for the config: "
        "incremental where a stream supports it (append_dedup on its primary key), else full refresh (overwrite).",
        config_help="the connector's config file (as for discover and read)",
    )
    parser.add_argument(
        "--streams",
        action="append",
        default=[],
        metavar="NAMES",
        help=(
            "the streams to read, comma-separated (repeatable); default: every stream of the config but those that "
            "need a scope beyond the default ones (billing, business access, leads: name them here)"
        ),
    )
    parser.add_argument(
        "--sync-mode",
        choices=SYNC_MODES,
        default=AUTO,
        help="incremental or full_refresh for every stream; default %(default)s: incremental where supported",
    )
    parser.add_argument("--output", "-o", help="write the catalog to this file; default: stdout")
    return parser


def chosen_streams(requested: Sequence[str], available: Sequence[str]) -> list[str]:
    """The names asked for (comma-separated items, in order, each once), every one a stream of `available`; all of
    `available` when none was asked for."""
    names = list(dict.fromkeys(name.strip() for item in requested for name in item.split(",") if name.strip()))
    if not requested:
        return list(available)
    if not names:
        raise CatalogError("--streams names no stream.")
    unknown = [name for name in names if name not in available]
    if unknown:
        described = []
        for name in unknown:
            close = difflib.get_close_matches(name, available, n=1)
            described.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise CatalogError(
            f"Unknown stream(s) {', '.join(described)}: this config's {len(available)} streams are "
            f"{', '.join(available)}."
        )
    return names


def configured_stream(stream: AirbyteStream, sync_mode: str) -> ConfiguredAirbyteStream:
    """`stream` read incrementally when asked (`auto`: where it supports it), else in full."""
    supported = [mode.value for mode in stream.supported_sync_modes or []]
    incremental = SyncMode.incremental.value in supported and sync_mode != SyncMode.full_refresh.value
    if sync_mode == SyncMode.incremental.value and not incremental:
        raise CatalogError(
            f"Stream '{stream.name}' cannot be read incrementally (it supports {', '.join(supported)}): leave "
            "--sync-mode at auto, or leave the stream out."
        )
    primary_key = stream.source_defined_primary_key or []
    if incremental:
        return ConfiguredAirbyteStream(
            stream=stream,
            sync_mode=SyncMode.incremental,
            cursor_field=stream.default_cursor_field or [],
            destination_sync_mode=DestinationSyncMode.append_dedup if primary_key else DestinationSyncMode.append,
            primary_key=primary_key,
        )
    return ConfiguredAirbyteStream(
        stream=stream,
        sync_mode=SyncMode.full_refresh,
        destination_sync_mode=DestinationSyncMode.overwrite,
        primary_key=primary_key,
    )


def extra_scopes(name: str) -> frozenset[str]:
    """The scopes stream `name` needs beyond the default ones (scopes.py; a custom report: none)."""
    operation = OPERATIONS.get(name)
    return beyond_default(operation) if operation else frozenset()


def default_selection(available: Sequence[str]) -> list[str]:
    """The streams chosen when none is named: those the default scopes read; the others are said on stderr."""
    left_out = {name: extra_scopes(name) for name in available if extra_scopes(name)}
    if left_out:
        named = ", ".join(f"{name} ({listed(scopes)})" for name, scopes in left_out.items())
        sys.stderr.write(
            f"Left out the streams that need a scope beyond the default ones: {named}. Name them with --streams to "
            f"read them (the token needs the scope: {AUTHORIZE_HELPER} {EXTRA_SCOPES_OPTION}).\n"
        )
    return [name for name in available if name not in left_out]


def build(catalog: AirbyteCatalog, requested: Sequence[str], sync_mode: str = AUTO) -> ConfiguredAirbyteCatalog:
    """The configured catalog of the `requested` streams of the discovered `catalog` (see the module docstring)."""
    by_name = {stream.name: stream for stream in catalog.streams}
    names = chosen_streams(requested, list(by_name)) if requested else default_selection(list(by_name))
    return ConfiguredAirbyteCatalog(streams=[configured_stream(by_name[name], sync_mode) for name in names])


def discovered(config_path: str) -> AirbyteCatalog:
    """What `discover` answers for the config file (nothing is sent to Pinterest)."""
    try:
        return SourcePinterestMarketing().discover(logging.getLogger("airbyte"), read_config_file(config_path))
    except AirbyteTracedException as error:
        raise CatalogError(str(error.message)) from None


def _run(args: argparse.Namespace) -> int:
    if args.output:
        problem = write_problem(args.output)
        if problem is not None:
            raise CatalogError(f"Cannot write --output {args.output}: {problem}.")
    configured = build(discovered(args.config), args.streams, args.sync_mode)
    value = ConfiguredAirbyteCatalogSerializer.dump(configured)
    incremental = sum(stream.sync_mode == SyncMode.incremental for stream in configured.streams)
    summary = (
        f"{len(configured.streams)} streams: {incremental} incremental, "
        f"{len(configured.streams) - incremental} full refresh"
    )
    if args.output:
        try:
            write_json(args.output, value, mode=CATALOG_FILE_MODE)
        except OSError as error:
            raise CatalogError(f"Could not write {args.output}: {error.strerror or error}.") from None
        sys.stderr.write(f"Wrote the configured catalog to {args.output} ({summary}).\n")
    else:
        sys.stdout.write(json.dumps(value, indent=2) + "\n")
        sys.stderr.write(f"Configured catalog: {summary}.\n")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Console entry point; returns the exit code (0, or 2 with one `error:` line on stderr)."""
    return run_helper(_run, _parser().parse_args(argv), (CatalogError,))


if __name__ == "__main__":
    sys.exit(main())
