"""The CLI prints the base URL when ready, writes a config, and stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_cli_serves_and_writes_config(tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pinterest_simulator",
            "--port",
            "0",
            "--write-config",
            str(config_path),
            "--persistent-refresh-token",
            "keep-me",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v5")
        config = json.loads(config_path.read_text())
        assert config["api_base_url"] == base_url
        creds = config["credentials"]
        assert creds["refresh_token"] == "keep-me"
        for _ in range(2):
            r = requests.post(
                f"{base_url}/oauth/token",
                auth=(creds["client_id"], creds["client_secret"]),
                data={"grant_type": "refresh_token", "refresh_token": "keep-me"},
            )
            assert r.status_code == 200
        assert requests.get(base_url.removesuffix("/v5") + "/_sim/health").json()["ok"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
