"""Suite-wide check that no secret leaks: every captured output of every test (stdout, stderr, logs,
failure reports) is scanned for the client secrets and tokens the simulators minted. The only place
they may appear is a CONTROL message carrying the updated config, which is where Airbyte expects them."""

from __future__ import annotations

import pytest

from pinterest_simulator.oauth import ISSUED_SECRETS

_LEAKS: dict[str, None] = {}  # ordered set


def _scan(nodeid: str, text: str) -> None:
    secrets = [secret for secret in list(ISSUED_SECRETS) if len(secret) >= 16]
    for line in text.splitlines():
        if '"type":"CONTROL"' in line.replace(" ", ""):
            continue
        for secret in secrets:
            if secret in line:
                _LEAKS[f"{nodeid}: {secret[:5]}... in: {line.replace(secret, '****')[:160]}"] = None


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    texts = [content for _, content in report.sections]
    if report.longrepr is not None:
        texts.append(str(report.longrepr))
    _scan(report.nodeid, "\n".join(texts))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _LEAKS:
        print("\nSecrets found in test outputs (outside CONTROL messages):")
        for leak in list(_LEAKS)[:50]:
            print(f"  {leak}")
        session.exitstatus = 1
