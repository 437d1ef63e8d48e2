"""CLI: ``python -m pinterest_simulator --port 18765 --preset small [--write-config cfg.json] [--switch NAME=VALUE]
[--today YYYY-MM-DD] [--scopes all|default|SCOPE,SCOPE...]``.

Prints one line with the API base URL once it is serving, then serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from pinterest_simulator.clock import TODAY_VARIABLE, parse_day
from pinterest_simulator.dataset import PRESETS
from pinterest_simulator.oauth import ALL_READ_SCOPES, READ_SCOPES
from pinterest_simulator.server import Simulator
from pinterest_simulator.switches import CHOICES, DEFAULTS, SwitchError, parse_assignment


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m pinterest_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=18765, help="0 picks a free port")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every API request")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="uniform +- jitter on the latency")
    parser.add_argument("--access-token-ttl", type=int, default=3600, help="seconds")
    parser.add_argument("--no-catalog", action="store_true", help="the user has no catalog (product groups answer 409)")
    parser.add_argument(
        "--persistent-refresh-token",
        action="append",
        default=[],
        metavar="TOKEN",
        help="a refresh token that never rotates out (test convenience); repeatable",
    )
    parser.add_argument(
        "--access-token", default=None, help="fixed long-lived access token (default: derived from the seed)"
    )
    parser.add_argument(
        "--cache-responses",
        action="store_true",
        help="generate each analytics answer and report file once, serve it again (benchmarks)",
    )
    parser.add_argument(
        "--switch",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a reading of an open point (repeatable): "
        + "; ".join(f"{name}={'|'.join(values)} (default {DEFAULTS[name]})" for name, values in CHOICES.items()),
    )
    parser.add_argument("--write-config", metavar="PATH", help="write a ready connector config here")
    parser.add_argument(
        "--scopes",
        default="default",
        metavar="all|default|SCOPE,SCOPE...",
        help="the scopes of the tokens it mints (the written config's, the fixed access token's): 'default' "
        f"({','.join(READ_SCOPES)}), 'all' (also {','.join(sorted(set(ALL_READ_SCOPES) - set(READ_SCOPES)))}) or a "
        "comma-separated list",
    )
    parser.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        default=None,
        help=f"pin the simulator's date (every date rule and dated number counts from it); default: ${TODAY_VARIABLE}"
        " if set, else the machine's UTC date",
    )
    args = parser.parse_args(argv)
    if args.today is not None:
        try:
            args.today = parse_day(args.today, "--today")
        except ValueError as exc:
            parser.error(str(exc))
    try:
        args.switches = dict(parse_assignment(text) for text in args.switch)
    except SwitchError as exc:
        parser.error(str(exc))
    args.scopes = scope_list(args.scopes)
    if not args.scopes:
        parser.error("--scopes is empty: give 'all', 'default' or a comma-separated list of scopes")
    return args


def scope_list(text: str) -> tuple[str, ...]:
    """``--scopes``: ``default`` (`READ_SCOPES`), ``all`` (`ALL_READ_SCOPES`) or a comma-separated list."""
    named = {"default": READ_SCOPES, "all": ALL_READ_SCOPES}
    if text.strip() in named:
        return named[text.strip()]
    return tuple(scope for scope in text.replace(" ", ",").split(",") if scope)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulator until a signal arrives."""
    args = parse_args(argv)
    sim = Simulator(
        preset=args.preset,
        seed=args.seed,
        host=args.host,
        port=args.port,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        access_token_ttl=args.access_token_ttl,
        persistent_refresh_tokens=args.persistent_refresh_token,
        access_token=args.access_token,
        has_catalog=not args.no_catalog,
        cache_responses=args.cache_responses,
        switches=args.switches,
        today=args.today,
        scopes=args.scopes,
    )
    sim.start()
    if args.write_config:
        overrides = {}
        if args.persistent_refresh_token:
            overrides["credentials"] = {
                "auth_method": "oauth2.0",
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
                "refresh_token": args.persistent_refresh_token[0],
            }
        sim.write_config(args.write_config, **overrides)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sys.stdout.write(sim.base_url + "\n")
    sys.stdout.flush()
    stop.wait()
    sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
