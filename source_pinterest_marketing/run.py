"""Console entry point: `source-pinterest-marketing spec|check|discover|read ...` (also the Docker image's), and the
helpers the image runs when named first (`docker run IMAGE catalog --config ...`): `authorize` (the OAuth helper,
authorize.py), `catalog` (the configured catalog `read` needs, configured_catalog.py) and `probe` (the probe of the
API's behaviour against the connector's assumptions, docs/probe.md).

Outside Airbyte, two flags keep what the platform keeps inside it (local_files.py):
- `--update-config` (`check`, `discover`, `read`): each rotated OAuth refresh token (and its access token) is saved
  back into the `--config` file, as Airbyte saves the CONTROL message (auth.py);
- `--update-state` (`read --state PATH`): the newest state of each stream is saved into the `--state` file at every
  checkpoint (a missing file is an empty state), as Airbyte saves the STATE messages; the next read resumes from it.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import importlib
import logging
import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Optional

from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.logger import PRINT_BUFFER, is_platform_debug_log_enabled
from airbyte_cdk.models import AirbyteMessage, ConnectorSpecification, Type
from airbyte_cdk.sources.connector_state_manager import HashableStreamDescriptor
from airbyte_cdk.utils.constants import ENV_REQUEST_CACHE_PATH
from airbyte_cdk.utils.memory_monitor import MemoryMonitor
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from typing_extensions import override

from source_pinterest_marketing.auth import UPDATE_CONFIG_FLAG
from source_pinterest_marketing.cdk_output import RecordLines, message_line, write_lines
from source_pinterest_marketing.errors import config_error
from source_pinterest_marketing.local_files import StateFile, write_problem
from source_pinterest_marketing.source import SourcePinterestMarketing

#: the first arguments that run a helper instead of an Airbyte command (`docker run IMAGE probe --config ...`) -> the
#: module whose `main(argv)` it is. A helper's module is imported only when it is named: `spec`, `check`, `discover`
#: and `read` never load the probe (1.9k lines) nor the other helpers (unit_tests/test_run.py)
HELPERS: Mapping[str, str] = {
    "authorize": "source_pinterest_marketing.authorize",
    "catalog": "source_pinterest_marketing.configured_catalog",
    "probe": "source_pinterest_marketing.probe.cli",
}
UPDATE_STATE_FLAG = "--update-state"
#: glibc's mallopt parameter for the number of malloc arenas
M_ARENA_MAX = -8
MALLOC_ARENAS = 2
#: `tune_garbage_collector`: new containers between two collections of the youngest generation (Python's default 700)
GC_YOUNG_OBJECTS = 50_000
#: airbyte-cdk's logger (its entrypoint's module logger), which `--debug` sets to DEBUG too
CDK_LOGGER = "airbyte"


def _usage_error(message: str) -> None:
    argparse.ArgumentParser(prog="source-pinterest-marketing").error(message)


class PinterestEntrypoint(AirbyteEntrypoint):
    """airbyte-cdk's entrypoint, with one config validation for `check`, `discover` and `read` alike: the
    connector's own (`load_config`: every invalid value at once, named by its path, never a secret, no value
    coerced), run once by the source itself, instead of the JSON-schema pre-check `check` runs otherwise; and the
    `--update-config` and `--update-state` flags (module docstring)."""

    #: the state file `read` keeps (`--update-state`), set by `run`
    state_file: Optional[str] = None

    @staticmethod
    @override
    def validate_connection(source_spec: ConnectorSpecification, config: Mapping[str, Any]) -> None:
        """Nothing before the command: `check_connection`, `streams` and `read` validate the config (once, so a
        warning about it is said once)."""

    @staticmethod
    @override
    def parse_args(args: list[str]) -> argparse.Namespace:
        """airbyte-cdk's arguments, plus `--update-config` after `check`, `discover` or `read`, and `--update-state`
        after `read --state PATH` (whose file may not exist yet: no state)."""
        update_config, update_state = UPDATE_CONFIG_FLAG in args, UPDATE_STATE_FLAG in args
        parsed = AirbyteEntrypoint.parse_args([arg for arg in args if arg not in (UPDATE_CONFIG_FLAG, UPDATE_STATE_FLAG)])
        if update_config and not getattr(parsed, "config", None):
            _usage_error(
                f"{UPDATE_CONFIG_FLAG} saves rotated credentials into the --config file: it goes with check, "
                "discover or read"
            )
        if update_state and not getattr(parsed, "state", None):
            _usage_error(f"{UPDATE_STATE_FLAG} keeps the state in the --state file: it goes with read --state PATH")
        parsed.update_config = update_config
        parsed.state_file = parsed.state if update_state else None
        if parsed.state_file is not None and not os.path.lexists(parsed.state_file):
            parsed.state = None  # the first run: no state yet
        return parsed

    @override
    def run(self, parsed_args: argparse.Namespace) -> Iterable[str]:
        """The command's messages, serialised (`read`: `read_lines`, each without its line break)."""
        if parsed_args.command == "read":
            # a chunk of `RecordLines` holds several lines (no JSON line holds a raw line break)
            return (line.decode() for chunk in self.lines(parsed_args) for line in chunk[:-1].split(b"\n"))
        self.take_flags(parsed_args)
        return super().run(parsed_args)

    def lines(self, parsed_args: argparse.Namespace) -> Iterator[bytes]:
        """The command's messages as the lines written to stdout (UTF-8, each with its line break)."""
        if parsed_args.command == "read":
            self.take_flags(parsed_args)
            return self.read_lines(parsed_args)
        return (f"{message}\n".encode() for message in self.run(parsed_args))

    def take_flags(self, parsed_args: argparse.Namespace) -> None:
        if isinstance(self.source, SourcePinterestMarketing) and getattr(parsed_args, "update_config", False):
            self.source.config_file = parsed_args.config
        self.state_file = getattr(parsed_args, "state_file", None)

    def set_log_level(self, parsed_args: argparse.Namespace) -> None:
        """The log level as the CDK's `run` sets it: DEBUG for `--debug` or the platform's debug setting, on this
        entrypoint's logger and the CDK's (`airbyte`), with its "Debug logs enabled" line."""
        if getattr(parsed_args, "debug", False) or is_platform_debug_log_enabled():
            self.logger.setLevel(logging.DEBUG)
            logging.getLogger(CDK_LOGGER).setLevel(logging.DEBUG)
            self.logger.debug("Debug logs enabled")
        else:
            self.logger.setLevel(logging.INFO)

    def read_lines(self, parsed_args: argparse.Namespace) -> Iterator[bytes]:
        """`read` exactly as the CDK's `run` does it (`AirbyteEntrypoint.run`: the log level, the request cache's
        directory, the config, the queued messages before and after, the same messages in the same order), each
        message serialised by `message_line`. The CDK has no public hook for its serialiser: its `run` serialises
        `read`'s messages with `AirbyteEntrypoint.airbyte_message_to_string`, called by its class name (a subclass
        overriding that static method would not reach them), which copies each record with serpyco-rs first (a
        third of the connector's CPU a record before this), and its `launch` prints the text through its print
        buffer (cdk_output.py). Keep it in step with the CDK's `run` when airbyte-cdk is upgraded
        (unit_tests/test_run.py compares what both emit)."""
        self.set_log_level(parsed_args)
        source_spec = self.source.spec(self.logger)
        lines_before = getattr(self.source, "record_lines", None)
        if isinstance(self.source, SourcePinterestMarketing):
            self.source.record_lines = True  # `message_line` writes `RecordLines`; only for this read
        try:
            with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as temp_dir:
                os.environ[ENV_REQUEST_CACHE_PATH] = temp_dir
                config = self.source.configure(self.source.read_config(parsed_args.config), temp_dir)
                yield from map(message_line, self.queued_messages())
                catalog = self.source.read_catalog(parsed_args.catalog)
                state = self.source.read_state(parsed_args.state)
                yield from map(message_line, self.read(source_spec, config, catalog, state))
        finally:
            if isinstance(self.source, SourcePinterestMarketing) and lines_before is not None:
                self.source.record_lines = lines_before
            yield from map(message_line, self.queued_messages())

    def queued_messages(self) -> Iterator[AirbyteMessage]:
        """What the source's message repository holds (log and control messages said outside the read)."""
        repository = getattr(self.source, "message_repository", None)
        if repository is not None:
            yield from repository.consume_queue()

    @override
    def read(
        self, source_spec: ConnectorSpecification, config: Mapping[str, Any], catalog: Any, state: list[Any]
    ) -> Iterator[AirbyteMessage]:
        if self.state_file is None:
            yield from self.counted_read(source_spec, config, catalog, state)
            return
        problem = write_problem(self.state_file)
        if problem is not None:
            raise config_error(f"{UPDATE_STATE_FLAG}: the state could not be saved to {self.state_file}: {problem}.")
        kept = StateFile(self.state_file, state)
        for message in self.counted_read(source_spec, config, catalog, state):
            if message.type == Type.STATE and message.state is not None:
                try:
                    kept.update(message.state)
                except OSError as error:
                    raise config_error(
                        f"Could not save the state to {self.state_file} ({error.strerror or error}): the sync stops "
                        "here; its STATE messages on stdout hold it."
                    ) from None
            yield message


    def counted_read(
        self, source_spec: ConnectorSpecification, config: Mapping[str, Any], catalog: Any, state: list[Any]
    ) -> Iterator[AirbyteMessage]:
        """The CDK's `read` (secrets filtered from logs, the config checked as the CDK checks it, the records of each
        stream counted into its STATE messages' `sourceStats`, the memory checked at every message, the queued
        messages at the end), counting a record by its stream's name, in the loop: the CDK builds a frozen dataclass
        per record to count it (5% of the sync's CPU)."""
        self.set_up_secret_filter(config, source_spec.connectionSpecification)
        if self.source.check_config_against_spec:
            self.validate_connection(source_spec, config)
        counts: defaultdict[tuple[str, Optional[str]], float] = defaultdict(float)
        memory = MemoryMonitor()

        def counted(message: AirbyteMessage) -> AirbyteMessage:
            record = message.record
            if message.type == Type.RECORD and record is not None:
                counts[(record.stream, record.namespace)] += 1.0
            elif message.type == Type.STATE:
                so_far = defaultdict(
                    float, {HashableStreamDescriptor(name=n, namespace=ns): c for (n, ns), c in counts.items()}
                )
                message = AirbyteEntrypoint.handle_record_counts(message, so_far)
                # as the CDK: a STATE counts its stream's records since that stream's previous STATE (the CDK's
                # counter was reset for the state's stream: so is ours)
                for name, namespace in counts:
                    counts[(name, namespace)] = so_far[HashableStreamDescriptor(name=name, namespace=namespace)]
            return message

        for message in self.source.read(self.logger, config, catalog, state):
            record = message.record
            if type(message) is RecordLines:
                counts[(message.stream, None)] += message.count
                yield message
            elif message.type is Type.RECORD and record is not None:  # `counted`'s first case, without a call
                counts[(record.stream, record.namespace)] += 1.0
                yield message
            else:
                yield counted(message)
            try:
                memory.check_memory_usage()
            except AirbyteTracedException:
                # the CDK's fail-fast on memory: what is queued (the last states) goes out first
                yield from map(counted, self.queued_messages())
                raise
        yield from map(counted, self.queued_messages())


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas before the worker threads start: each thread that allocates would otherwise get
    an arena of its own, and the freed memory of one arena is not reused by another. Measured on a sync of
    `ad_targeting_analytics` with 8 workers: peak RSS 138 MB → 108 MB and 10% less CPU. A no-op where the C
    library is not glibc, or where the user set `MALLOC_ARENA_MAX` (their choice wins). True if applied."""
    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))


def tune_garbage_collector(young_objects: int = GC_YOUNG_OBJECTS) -> None:
    """Fewer, cheaper collections for a process that makes a dict per row: what was loaded until now (modules,
    schemas, the API description) is frozen out of every collection (`gc.freeze`), and the youngest generation is
    collected every `young_objects` new containers instead of every 700 (rows hold no cycles: a collection finds
    nothing to free in them). Measured on 910,594 analytics and report rows: 22.7-23.5 µs of CPU a record against
    23.6-24.8 µs without (two runs each: within the noise of a run, about 1 µs)."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(young_objects, middle, oldest)


def launch(args: list[str]) -> None:
    """Run one command and write its messages (as airbyte-cdk's `launch`, with `PinterestEntrypoint`; as bytes past
    its print buffer: cdk_output.write_lines)."""
    entrypoint = PinterestEntrypoint(SourcePinterestMarketing())
    parsed_args = entrypoint.parse_args(args)
    with PRINT_BUFFER:
        write_lines(entrypoint.lines(parsed_args), PRINT_BUFFER, sys.__stdout__)


def helper_main(name: str) -> Callable[[Optional[Sequence[str]]], int]:
    """The `main(argv)` of the helper named `name` (`HELPERS`), its module imported now."""
    main: Callable[[Optional[Sequence[str]]], int] = importlib.import_module(HELPERS[name]).main
    return main


def run() -> None:
    args = sys.argv[1:]
    if args and args[0] in HELPERS:
        sys.exit(helper_main(args[0])(args[1:]))
    limit_malloc_arenas()
    tune_garbage_collector()
    launch(args)


if __name__ == "__main__":
    run()
