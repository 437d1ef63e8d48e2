"""The console entry point: it caps glibc's malloc arenas before the worker threads start (see run.py), and runs
the helpers the image offers by name."""

from __future__ import annotations

import gc
import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    ConfiguredAirbyteCatalogSerializer,
    StreamDescriptor,
    Type,
)
from airbyte_cdk.sources.utils.record_helper import stream_data_to_airbyte_message
from airbyte_cdk.utils.print_buffer import PrintBuffer
from harness import catalog as harness_catalog
from import_graph import import_graph, project_modules

from pinterest_simulator import Simulator
from source_pinterest_marketing import run
from source_pinterest_marketing.cdk_output import LineWriter, message_line, write_lines, writes_bytes
from source_pinterest_marketing.source import SourcePinterestMarketing

ROOT = Path(__file__).resolve().parents[1]


def test_the_arena_cap_is_applied_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    assert run.limit_malloc_arenas() is True


def test_the_users_own_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert run.limit_malloc_arenas() is False


def test_run_caps_the_arenas_and_tunes_the_collector_before_launching(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(run, "limit_malloc_arenas", lambda: calls.append("arenas") or True)
    monkeypatch.setattr(run, "tune_garbage_collector", lambda: calls.append("gc"))
    monkeypatch.setattr(run, "launch", lambda args: calls.append("launch"))
    monkeypatch.setattr(sys, "argv", ["source-pinterest-marketing", "spec"])
    run.run()
    assert calls == ["arenas", "gc", "launch"]


def test_the_collector_leaves_what_is_loaded_alone_and_collects_the_young_less_often() -> None:
    saved = gc.get_threshold()
    try:
        run.tune_garbage_collector(12_345)
        assert gc.get_threshold() == (12_345, *saved[1:])
        assert gc.get_freeze_count() > 10_000  # the modules loaded, frozen out of every collection
    finally:
        gc.unfreeze()
        gc.set_threshold(*saved)


@pytest.mark.parametrize("helper", sorted(run.HELPERS))
def test_the_image_runs_each_helper_named_first(helper: str) -> None:
    """`docker run IMAGE <helper> ...`: main.py, as the image's ENTRYPOINT runs it, hands the rest to the helper."""
    completed = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), helper, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert f"usage: source-pinterest-marketing-{helper}" in completed.stdout


# -- what each command imports ------------------------------------------------------------------------
#: the helpers' packages and modules (the probe is a package of 1.9k lines)
HELPER_MODULES = (
    "source_pinterest_marketing.probe",
    "source_pinterest_marketing.authorize",
    "source_pinterest_marketing.configured_catalog",
)
#: runs the console entry point with the arguments given, then says which helper modules it loaded
LOADED_BY = """
import json, sys
from source_pinterest_marketing import run
from source_pinterest_marketing.cdk_output import message_line
from source_pinterest_marketing.source import SourcePinterestMarketing
args, helpers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["source-pinterest-marketing", *args]
try:
    run.run()
except SystemExit:
    pass
print("LOADED " + json.dumps(sorted(m for m in sys.modules if m.startswith(tuple(helpers)))), file=sys.stderr)
"""


def _loaded_helpers(args: list[str]) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", LOADED_BY, json.dumps(args), json.dumps(HELPER_MODULES)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    [line] = [line for line in completed.stderr.splitlines() if line.startswith("LOADED ")]
    return list(json.loads(line.removeprefix("LOADED ")))


def test_no_airbyte_command_imports_the_probe_nor_the_other_helpers(sim: Simulator, tmp_path: Path) -> None:
    """`spec`, `check`, `discover` and `read` never load the probe (1.9k lines) nor the other helpers: a helper's
    module is imported only when it is named (run.HELPERS)."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sim.connector_config(access_token_mode=True)))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(harness_catalog(["user_account"]))))
    commands = [
        ["spec"],
        ["check", "--config", str(config)],
        ["discover", "--config", str(config)],
        ["read", "--config", str(config), "--catalog", str(catalog)],
    ]
    assert {command[0]: _loaded_helpers(command) for command in commands} == {command[0]: [] for command in commands}
    # the check sees a helper's import: naming the probe loads it
    assert "source_pinterest_marketing.probe.cli" in _loaded_helpers(["probe", "--help"])


def test_the_entry_module_does_not_import_a_helper_at_load() -> None:
    graph = import_graph(project_modules(("source_pinterest_marketing",)), type_checking=True)
    reached, todo = set(), ["source_pinterest_marketing.run"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(graph[module])
    assert reached and not {module for module in reached if module.startswith(HELPER_MODULES)}


def test_a_record_is_written_as_the_cdk_writes_it() -> None:
    """cdk_output.message_line (run.py's `read`) writes a record from its fields with orjson: the CDK's own text, for
    every kind of value; a value orjson cannot write (an int beyond 64 bits), and any other message, the CDK's way."""
    data = {
        "id": "1234",
        "SPEND": 12.5,
        "ZERO": 0.0,
        "BIG": 2**63 - 1,
        "text": 'é ☃ "quoted" \\ \n',
        "flags": [True, False, None],
        "nested": {"list": [{"a": 1, "none": None}], "empty": {}, "none": None},
        "none": None,
    }
    no_null = {name: value for name, value in data.items() if value is not None}
    # a text that reads like a null field, with and without a null field; nulls only nested deeper
    looks_null = {"text": 'x":null,"y', "nested": {"none": None}}
    for value in (data, {**data, "HUGE": 2**70}, no_null, looks_null, {**looks_null, "none": None}):
        message = stream_data_to_airbyte_message("campaigns", value)
        assert message_line(message) == f"{AirbyteEntrypoint.airbyte_message_to_string(message)}\n".encode()
    state = AirbyteMessage(
        type=Type.STATE,
        state=AirbyteStateMessage(
            type=AirbyteStateType.STREAM,
            stream=AirbyteStreamState(
                stream_descriptor=StreamDescriptor(name="campaigns"), stream_state=AirbyteStateBlob(a=1)
            ),
        ),
    )
    assert message_line(state) == f"{AirbyteEntrypoint.airbyte_message_to_string(state)}\n".encode()


def test_read_writes_every_message_as_the_cdk_would(sim: Simulator, tmp_path: Path) -> None:
    """The connector's `read` (its own serialisation of records) writes each message as the CDK's `run` would."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sim.connector_config(access_token_mode=True)))
    catalog = tmp_path / "catalog.json"
    streams = ["campaigns", "campaign_analytics", "campaign_report"]
    catalog.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(harness_catalog(streams))))
    entrypoint = run.PinterestEntrypoint(SourcePinterestMarketing())
    lines = list(entrypoint.run(entrypoint.parse_args(["read", "--config", str(config), "--catalog", str(catalog)])))
    messages = [AirbyteMessageSerializer.load(orjson.loads(line)) for line in lines]
    assert {m.record.stream for m in messages if m.type == Type.RECORD and m.record} == set(streams)
    assert lines == [AirbyteEntrypoint.airbyte_message_to_string(message) for message in messages]
    # each STATE message counts its stream's records since that stream's previous STATE (the CDK's `sourceStats`),
    # as the CDK's read does: the counts of a stream's STATEs add up to its records
    since_last: dict[str, int] = {}
    counted = []
    for message in messages:
        if message.type == Type.RECORD and message.record:
            since_last[message.record.stream] = since_last.get(message.record.stream, 0) + 1
        elif message.type == Type.STATE and message.state and message.state.stream:
            name = message.state.stream.stream_descriptor.name
            assert message.state.sourceStats is not None
            counted.append((name, message.state.sourceStats.recordCount, float(since_last.pop(name, 0))))
    assert counted and all(count == expected for _, count, expected in counted), counted
    assert len({name for name, _, _ in counted}) < len(counted)  # a stream with several STATEs: the reset is tested


def _read_args(sim: Simulator, tmp_path: Path, streams: list[str]) -> list[str]:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(sim.connector_config(access_token_mode=True)))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(harness_catalog(streams))))
    return ["read", "--config", str(config), "--catalog", str(catalog)]


@pytest.mark.parametrize("debug", [False, True])
def test_read_sets_the_log_level_as_the_cdks_run(sim: Simulator, tmp_path: Path, debug: bool) -> None:
    """run.py's `read` (its own serialiser) sets the log levels and logs what the CDK's `run` does: with `--debug`,
    DEBUG on the entrypoint's logger and the CDK's, and the CDK's "Debug logs enabled" line."""
    args = _read_args(sim, tmp_path, ["campaigns"]) + (["--debug"] if debug else [])
    cdk_logger = logging.getLogger(run.CDK_LOGGER)

    def levels_and_lines(entrypoint: AirbyteEntrypoint) -> tuple[int, int, bool]:
        logged: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda record: logged.append(record.getMessage())  # type: ignore[method-assign]
        saved = cdk_logger.level, entrypoint.logger.level
        cdk_logger.setLevel(logging.INFO)
        cdk_logger.addHandler(handler)
        try:
            assert any('"RECORD"' in line for line in entrypoint.run(entrypoint.parse_args(args)))
            return cdk_logger.level, entrypoint.logger.level, "Debug logs enabled" in logged
        finally:
            cdk_logger.removeHandler(handler)
            cdk_logger.setLevel(saved[0])
            entrypoint.logger.setLevel(saved[1])

    ours = levels_and_lines(run.PinterestEntrypoint(SourcePinterestMarketing()))
    assert ours == levels_and_lines(AirbyteEntrypoint(SourcePinterestMarketing()))
    assert ours[2] is debug


def test_the_console_read_writes_every_line_as_the_cdk_would(sim: Simulator, tmp_path: Path) -> None:
    """The console entry point writes `read`'s lines as bytes past the CDK's print buffer (cdk_output.LineWriter):
    every line on stdout is a whole message, the CDK's text of it, the log lines among them."""
    args = _read_args(sim, tmp_path, ["campaigns", "campaign_analytics"])
    completed = subprocess.run(
        [sys.executable, "-m", "source_pinterest_marketing.run", *args],
        capture_output=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.endswith(b"\n")
    lines = completed.stdout.decode().splitlines()
    messages = [AirbyteMessageSerializer.load(orjson.loads(line)) for line in lines]
    assert lines == [AirbyteEntrypoint.airbyte_message_to_string(message) for message in messages]
    kinds = {message.type for message in messages}
    assert {Type.RECORD, Type.STATE, Type.LOG, Type.TRACE} <= kinds
    records = [message.record.stream for message in messages if message.type == Type.RECORD and message.record]
    assert set(records) == {"campaigns", "campaign_analytics"}


def test_the_line_writer_keeps_the_print_buffers_lines_in_their_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What others printed into the CDK's print buffer (log lines) comes out before the writer's next line, after
    its lines written before; the writer flushes at the print buffer's interval and at the end."""
    path = tmp_path / "stdout"
    with path.open("w", encoding="utf-8") as stdout:
        monkeypatch.setattr(sys, "__stdout__", stdout)  # where the print buffer writes
        print_buffer = PrintBuffer(flush_interval=3600)
        writer = LineWriter(print_buffer, stdout)
        print_buffer.write("log 1\n")
        writer.write(b"record 1\n")
        writer.write("record 2 é\n".encode())
        print_buffer.write("log 2\n")
        writer.write(b"record 3\n")
        assert path.read_text() == "log 1\nrecord 1\nrecord 2 é\nlog 2\n"  # record 3 waits for the interval
        writer.flush()
        assert path.read_text() == "log 1\nrecord 1\nrecord 2 é\nlog 2\nrecord 3\n"
        print_buffer.flush_interval = 0
        writer.write(b"state\n")
        assert path.read_text().endswith("record 3\nstate\n")


def test_lines_go_through_the_print_buffer_where_stdout_takes_no_bytes() -> None:
    """No file descriptor (or not UTF-8): `write_lines` prints through the print buffer, as the CDK's launch."""
    print_buffer = PrintBuffer(flush_interval=3600)
    write_lines([b"a\n", "é\n".encode()], print_buffer, io.StringIO())
    assert print_buffer.buffer.getvalue() == "a\né\n"
    assert not writes_bytes(None)
