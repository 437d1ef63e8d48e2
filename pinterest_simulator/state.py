"""What a simulator holds and answers from, without the server: the spec, the dataset, the switches, tokens,
faults, the request log, report jobs and the response cache, with its addresses and credentials.

`server.Simulator` serves it over HTTP; the layers that answer requests (`routes.Context`, `admin`, `report_files`)
read it as a `SimulatorState`, so none of them depends on the server.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pinterest_simulator.billing_data import BillingData
from pinterest_simulator.cache import ResponseCache
from pinterest_simulator.catalog_reports import CatalogReportJobs
from pinterest_simulator.clock import Clock, make_clock
from pinterest_simulator.dataset import Dataset
from pinterest_simulator.faults import FaultInjector
from pinterest_simulator.leads_data import LeadData
from pinterest_simulator.oauth import READ_SCOPES, TokenStore
from pinterest_simulator.report_jobs import ReportJobs
from pinterest_simulator.requestlog import RequestLog
from pinterest_simulator.spec import API_PREFIX, Spec
from pinterest_simulator.switches import Switches


@cache
def load_spec() -> Spec:
    """The bundled spec, parsed once per process."""
    return Spec()


class SimulatorState:
    """The state of one simulator (see `server.Simulator` for the parameters); ``host`` and ``port`` make its
    addresses (``port`` is the bound one once `Simulator.start` ran)."""

    def __init__(
        self,
        preset: str = "small",
        seed: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0.0,
        jitter_ms: float = 0.0,
        access_token_ttl: int = 3600,
        refresh_token_ttl: int = 60 * 24 * 3600,
        persistent_refresh_tokens: Iterable[str] = (),
        access_token: str | None = None,
        has_catalog: bool = True,
        strict_query: bool = True,
        cache_responses: bool = False,
        switches: Switches | Mapping[str, str] | None = None,
        today: dt.date | str | None = None,
        scopes: Iterable[str] = READ_SCOPES,
    ) -> None:
        self.spec = load_spec()
        self.host = host
        self.port = port
        self.strict_query = strict_query
        self._switches = Switches.of(switches)
        self.dataset = Dataset(self.spec, preset=preset, seed=seed, has_catalog=has_catalog, clock=make_clock(today))
        #: spend reconciliation records (billing_data.py); it points every campaign's ``order_line_id`` at one
        self.billing = BillingData(self.dataset)
        #: lead forms, lead ads and leads (leads_data.py); it sets every ad's ``lead_form_id``
        self.leads = LeadData(self.dataset)
        self.oauth = TokenStore(
            seed,
            access_token_ttl=access_token_ttl,
            refresh_token_ttl=refresh_token_ttl,
            persistent_refresh_tokens=persistent_refresh_tokens,
            fixed_access_token=access_token,
            rotation=lambda: self.switches.refresh_token_rotation,
            default_scopes=scopes,
        )
        self.faults = FaultInjector(seed=seed, latency_ms=latency_ms, jitter_ms=jitter_ms)
        self.requests = RequestLog()
        self.reports = ReportJobs()
        #: catalog reports (``reports/create`` / ``reports/get``)
        self.catalog_reports = CatalogReportJobs()
        #: leads exports (handlers/leads.py), brand/category/SKU and MMM reports (handlers/measurement.py)
        self.lead_exports = ReportJobs(kind="leads_export", numeric_tokens=True)
        self.conversion_reports = ReportJobs(kind="conversion_product")
        self.mmm_reports = ReportJobs(kind="mmm")
        #: opt-in (benchmarks): analytics answers and report files generated once (see cache.py)
        self.cache = ResponseCache(cache_responses)
        #: ``metrics_ready_state/get``: non-conversion metrics of a day are ready once it is this many days before
        #: today (UTC); 1: today is not ready
        self.metrics_ready_lag_days = 1
        #: ... and conversion metrics once it is this many days back (2: today and yesterday are not ready).
        #: ``dataset.restate()`` still changes the last ``dataset.RESTATED_DAYS`` days, ready or not: set this to
        #: ``RESTATED_DAYS`` (7) for "a ready day is never restated"
        self.conversion_metrics_ready_lag_days = 2

    @property
    def switches(self) -> Switches:
        """The readings in force (``sim.switches.hour_date = "date"``); see ``switches.py``."""
        return self._switches

    @switches.setter
    def switches(self, value: Switches | Mapping[str, str]) -> None:
        """Replace every switch: unnamed ones go back to their defaults."""
        self._switches = Switches.of(value)

    @property
    def clock(self) -> Clock:
        """Where the simulator's today comes from (its dataset's; clock.py)."""
        return self.dataset.clock

    @clock.setter
    def clock(self, value: Clock) -> None:
        """Replace the clock (``sim.clock = FixedClock(day)``): every later answer counts from its date."""
        self.dataset.clock = value

    def today(self) -> dt.date:
        """The simulator's today (UTC)."""
        return self.dataset.today()

    # -- addresses and credentials -------------------------------------------------------------
    @property
    def root_url(self) -> str:
        """``http://host:port`` (the authorize page is ``{root_url}/oauth/``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL, ``http://host:port/v5``."""
        return self.root_url + API_PREFIX

    @property
    def token_url(self) -> str:
        """``{base_url}/oauth/token``."""
        return self.base_url + "/oauth/token"

    @property
    def authorize_url(self) -> str:
        """The simulated ``https://www.pinterest.com/oauth/``."""
        return self.root_url + "/oauth/"

    @property
    def client_id(self) -> str:
        """The simulated app's client id."""
        return self.oauth.client_id

    @property
    def client_secret(self) -> str:
        """The simulated app's client secret (deterministic from the seed)."""
        return self.oauth.client_secret

    @property
    def access_token(self) -> str:
        """The fixed long-lived access token (access-token mode), with the simulator's default scopes."""
        return self.oauth.fixed_access_token

    def issue_refresh_token(self, scopes: Iterable[str] | None = None) -> str:
        """Mint a valid refresh token (with the simulator's default scopes unless `scopes` are given)."""
        return self.oauth.issue_refresh_token(scopes)

    def issue_access_token(self, scopes: Iterable[str] | None = None, ttl: int | None = None) -> str:
        """Mint a bearer token (with the simulator's default scopes unless `scopes` are given)."""
        return self.oauth.issue_access_token(scopes, ttl)

    def issue_authorization_code(self, scopes: Iterable[str] | None = None, redirect_uri: str = "") -> str:
        """Mint an authorization code for ``grant_type=authorization_code``."""
        return self.oauth.issue_authorization_code(scopes, redirect_uri)

    def expire_access_tokens(self) -> None:
        """Expire every access token now (the next API call gets 401)."""
        self.oauth.expire_access_tokens()

    def connector_config(self, access_token_mode: bool = False, **overrides: Any) -> dict[str, Any]:
        """A ready connector config (the connector's spec: docs/pinterest-marketing.md) with a freshly minted refresh token."""
        credentials: dict[str, Any]
        if access_token_mode:
            credentials = {"auth_method": "access_token", "access_token": self.access_token}
        else:
            credentials = {
                "auth_method": "oauth2.0",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "refresh_token": self.issue_refresh_token(),
            }
        config: dict[str, Any] = {
            "credentials": credentials,
            "environment": "production",
            "api_base_url": self.base_url,
        }
        config.update(overrides)
        return config

    def write_config(self, path: str | Path, **overrides: Any) -> dict[str, Any]:
        """Write :meth:`connector_config` as JSON to ``path``."""
        config = self.connector_config(**overrides)
        Path(path).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        return config
