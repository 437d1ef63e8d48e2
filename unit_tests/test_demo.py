"""`make demo` (scripts/demo.py) as the README describes it: the last QUICK_DAYS days by default, the whole history
with `--full` (`make demo-full`). The demo itself runs in a minute: it is not run here."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import demo  # noqa: E402


def test_the_readme_states_the_quick_demos_days_and_the_full_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"It reads the last {demo.QUICK_DAYS} days of analytics and reports" in readme
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo-full:.*\n\t.*scripts/demo\.py --full$", makefile, re.MULTILINE)
    assert re.search(r"^demo:.*\n\t.*scripts/demo\.py$", makefile, re.MULTILINE)


def test_the_period_reports_cover_whole_weeks_and_months_before_their_start() -> None:
    today = demo.date(2026, 3, 15)
    reports = {report["name"]: report for report in demo.period_reports(today, demo.PERIOD_DAYS)}
    start = today - demo.timedelta(days=demo.PERIOD_DAYS)
    assert {reports[name]["start_date"] for name in ("weeks", "months", "totals")} == {start.isoformat()}
    assert demo.date.fromisoformat(reports["days"]["start_date"]) <= start - demo.timedelta(days=31)
