"""What the probe found: one `Finding` per check, the summary table, the exit code and the JSON a maintainer can
attach to a bug report (docs/probe.md).

Statuses and the exit code:

| status           | meaning                                                               | exit code      |
|------------------|-----------------------------------------------------------------------|----------------|
| `confirmed`      | the API answered as the connector assumes                             | 0              |
| `contradicted`   | the API answered otherwise (the finding names the matching reading)   | 1 (wins)       |
| `unchecked`      | the probe could not tell: a request failed, a scope is missing, the   | 2              |
|                  | answer was empty for the days asked, the report did not finish        |                |
| `not_applicable` | the account has nothing of that kind (no keywords, no video Pins...)  | not counted    |
|                  | or the configuration does not use it (access token: no rotation)      |                |

Two `unchecked` are not counted either, points the probe never provokes: the form of a rate-limit answer (it would
take exceeding Pinterest's limits; it is confirmed or contradicted only when a rate limit happens to be met), and
whether a refresh token still works once replaced (it would take sending a used refresh token, which may revoke the
grant).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets

#: the version of the JSON layout (`ProbeResult.as_json`)
JSON_FORMAT = 1


class Status(enum.StrEnum):
    CONFIRMED = "confirmed"
    CONTRADICTED = "contradicted"
    UNCHECKED = "unchecked"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class SwitchReading:
    """A check whose point the API description leaves open: the simulator switch naming its readings, the reading
    the connector assumes, and the one matching what the API answered (None: none, or not determined)."""

    switch: str
    assumed: str
    matching: Optional[str] = None


@dataclass(frozen=True)
class Finding:
    """The outcome of one check."""

    check: str
    #: what the connector assumes, one sentence
    assumption: str
    status: Status
    #: what the probe concluded, one line
    verdict: str
    #: the switch the check reads and its readings (None: the API description settles the point)
    switch_reading: Optional[SwitchReading] = None
    #: the requests made and what in each answer confirms or contradicts (never a secret nor a record's values)
    evidence: tuple[str, ...] = ()
    #: False: an `unchecked` that does not make the exit code 2 (see the module docstring)
    counted: bool = True
    #: scopes the token lacks for this check (a missing-scope answer)
    missing_scopes: tuple[str, ...] = ()

    @property
    def reading(self) -> str:
        """``switch=value`` of what the API answered, ``-`` when there is none."""
        found = self.switch_reading
        if found is None or found.matching is None:
            return "-"
        return f"{found.switch}={found.matching}"

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status.value,
            "assumption": self.assumption,
            "verdict": self.verdict,
            "switch": self.switch_reading.switch if self.switch_reading else None,
            "assumed": self.switch_reading.assumed if self.switch_reading else None,
            "matching": self.switch_reading.matching if self.switch_reading else None,
            "evidence": list(self.evidence),
            "counts_toward_exit_code": self.counted,
            "missing_scopes": list(self.missing_scopes),
        }


def exit_code(findings: Iterable[Finding]) -> int:
    """0 every counted check confirmed, 1 a contradiction, 2 a check that could not be made (module docstring)."""
    statuses = [finding.status for finding in findings if finding.counted]
    if Status.CONTRADICTED in statuses:
        return 1
    if Status.UNCHECKED in statuses:
        return 2
    return 0


RESULTS = {0: "all confirmed", 1: "a contradiction", 2: "something could not be checked"}


def finding_lines(finding: Finding) -> list[str]:
    """The lines printed as a check ends: its status and verdict, then its evidence."""
    lines = [f"[{finding.status.value}] {finding.check}: {finding.verdict}"]
    found = finding.switch_reading
    if found is not None:
        matching = found.matching or ("none" if finding.status is Status.CONTRADICTED else "not determined")
        lines.append(f"    switch {found.switch}: the connector assumes {found.assumed}; matching: {matching}")
    lines += [f"    {line}" for line in finding.evidence]
    return [filter_secrets(line) for line in lines]


def summary_table(findings: Sequence[Finding]) -> list[str]:
    """Check, status, matching switch value and the verdict, one row each."""
    headers = ("check", "status", "matching switch", "evidence")
    rows = [(f.check, f.status.value + ("" if f.counted else "*"), f.reading, f.verdict) for f in findings]
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(3)]

    def line(cells: tuple[str, str, str, str]) -> str:
        return "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells[:3])) + "  " + cells[3]

    table = [line(headers), line(("-" * widths[0], "-" * widths[1], "-" * widths[2], "-" * 8))]
    table += [line(row) for row in rows]
    if any(not f.counted for f in findings):
        table.append(
            "* not counted in the exit code: the probe never provokes it (a rate limit, a used refresh token), or it "
            "needs a scope beyond the default ones that the token lacks"
        )
    return [filter_secrets(row) for row in table]


@dataclass
class ProbeResult:
    """One run of the probe, as written by ``--output``."""

    connector_version: str
    api_spec_version: str
    date: str
    auth_method: str
    api_host: str
    budget: int
    ad_account_id: Optional[str] = None
    findings: list[Finding] = field(default_factory=list)
    requests_sent: int = 0
    #: the error that stopped the run (bad credentials...), None when it ran through
    error: Optional[str] = None

    @property
    def exit_code(self) -> int:
        return 2 if self.error is not None else exit_code(self.findings)

    @property
    def missing_scopes(self) -> dict[str, list[str]]:
        """scope -> the checks that needed it."""
        missing: dict[str, list[str]] = {}
        for finding in self.findings:
            for scope in finding.missing_scopes:
                missing.setdefault(scope, []).append(finding.check)
        return missing

    def simulator_switches(self) -> dict[str, str]:
        """The switch values that match what the account answered: replay them in the simulator."""
        readings = [f.switch_reading for f in self.findings if f.switch_reading is not None]
        return {found.switch: found.matching for found in readings if found.matching is not None}

    def as_json(self) -> dict[str, Any]:
        document = {
            "format": JSON_FORMAT,
            "connector": {"name": "source-pinterest-marketing", "version": self.connector_version},
            "api_spec_version": self.api_spec_version,
            "date": self.date,
            "auth_method": self.auth_method,
            "api_host": self.api_host,
            "ad_account_id": self.ad_account_id,
            "budget": self.budget,
            "requests_sent": self.requests_sent,
            "exit_code": self.exit_code,
            "result": "error: " + self.error if self.error is not None else RESULTS[self.exit_code],
            "error": self.error,
            "missing_scopes": self.missing_scopes,
            "simulator_switches": self.simulator_switches(),
            "checks": [finding.as_json() for finding in self.findings],
        }
        return {key: _filtered(value) for key, value in document.items()}

    def json_text(self) -> str:
        return json.dumps(self.as_json(), indent=2) + "\n"


def _filtered(value: Any) -> Any:
    """Every string of a JSON value with the registered secrets masked (none should be there: a safety net)."""
    if isinstance(value, str):
        return filter_secrets(value)
    if isinstance(value, Mapping):
        return {key: _filtered(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_filtered(item) for item in value]
    return value
