"""Secrets (§5): client secret, refresh tokens (old and rotated) and access tokens appear nowhere in
the output of check, discover and read, except in the CONTROL message's config, where Airbyte expects them."""

from __future__ import annotations

import pytest
from harness import all_output_text, check_status, control_messages, run_check, run_discover, run_read

from pinterest_simulator import Simulator


def test_no_secret_in_any_output(sim: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    issued: list[str] = []
    for name in ("issue_access_token", "issue_refresh_token"):
        original = getattr(sim.oauth, name)

        def recording(*args: object, _original=original, **kwargs: object) -> str:
            token = _original(*args, **kwargs)
            issued.append(token)
            return token

        setattr(sim.oauth, name, recording)
    config = sim.connector_config()
    # a 401 mid-sync forces a second refresh, so two generations of tokens go through the run
    sim.faults.add("expire_tokens", operation_id="ads/list", times=1)

    texts: list[str] = []
    check = run_check(config)
    assert check_status(check)[0] == "SUCCEEDED"
    texts += all_output_text(check)
    rotated = control_messages(capsys.readouterr().out)[-1]["control"]["connectorConfig"]["config"]
    texts += all_output_text(run_discover(rotated))
    read = run_read(rotated, ("campaigns", "ads", "catalogs_feeds"))
    assert read.records and not read.errors
    texts += all_output_text(read)
    captured = capsys.readouterr()
    controls = control_messages(captured.out)
    assert controls, "the rotated refresh token must be persisted"
    stdout_without_controls = [line for line in captured.out.splitlines() if '"CONTROL"' not in line]

    secrets = [sim.client_secret, *issued]
    assert len(issued) >= 5  # the config's refresh token, then access + refresh token per refresh
    everything = "\n".join([*texts, *stdout_without_controls, captured.err])
    for secret in secrets:
        assert secret not in everything
    assert controls[-1]["control"]["connectorConfig"]["config"]["credentials"]["refresh_token"] in issued
