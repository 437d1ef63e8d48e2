"""Write the connector's copy of the simulator's switch table: `source_pinterest_marketing/data/switches.json`.

The simulator's `Switches` (pinterest_simulator/switches.py) is the one table of the readings of what the API
description leaves open: one switch per open point, one value per reading, the default first. The probe names the
reading an account answered with by those names, but the connector package (the Docker image) never contains nor
imports the simulator: it reads this generated copy (`source_pinterest_marketing/probe/switches.py`).

    python scripts/generate_switches.py           # after adding or changing a switch
    python scripts/generate_switches.py --check   # CI (make lint): exit 1 if the copy is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pinterest_simulator.switches import CHOICES  # noqa: E402

OUTPUT = ROOT / "source_pinterest_marketing" / "data" / "switches.json"
SOURCE = "pinterest_simulator/switches.py"


def render(choices: Mapping[str, tuple[str, ...]] = CHOICES) -> str:
    """The file: each switch's values, its default (the simulator's) first, in the simulator's order."""
    document = {
        "generated_by": f"scripts/generate_switches.py from {SOURCE}: edit the simulator's Switches, then run it",
        "switches": {name: list(values) for name, values in choices.items()},
    }
    return json.dumps(document, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the copy is out of date")
    args = parser.parse_args(argv)
    rendered = render()
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != rendered:
            print(f"{OUTPUT} is out of date: run scripts/generate_switches.py", file=sys.stderr)
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    OUTPUT.write_text(rendered, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
