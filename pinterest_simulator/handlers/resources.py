"""Resources: ``metrics_ready_state/get`` (whether a day's metrics are final).

``GET /resources/metrics_ready_state?date=YYYY-MM-DD`` answers ``BookClosedResponse``:
``non_conversion_metrics_ready`` once the day is ``sim.metrics_ready_lag_days`` days before today (default 1: today
is not ready), ``conversion_metrics_ready`` once it is ``sim.conversion_metrics_ready_lag_days`` days before today
(default 2: today and yesterday are not ready). ``sim.dataset.restate()`` changes the last ``dataset.RESTATED_DAYS``
(7) days whether they are ready or not: a test that wants ready days to be final sets the lag to ``RESTATED_DAYS``.
A date that is not a real date, or one after today (UTC), is 400 code 1; the pattern is the spec's (``^(\\d{4})-(\\d{2})-(\\d{2})$``).
See https://developers.pinterest.com/docs/api/v5/metrics_ready_state-get.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pinterest_simulator.metrics import metrics_ready
from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import bad_request


@handler("metrics_ready_state/get")
def metrics_ready_state(ctx: Context) -> Any:
    """``{conversion_metrics_ready, non_conversion_metrics_ready}`` of the day ``date``."""
    try:
        day = dt.date.fromisoformat(ctx.params["date"])
    except ValueError:
        raise bad_request(f"Parameter 'date' must be a date YYYY-MM-DD (was {ctx.params['date']}).") from None
    today = ctx.dataset.today()
    if day > today:
        raise bad_request(f"Parameter 'date' cannot be in the future (was {day}).")
    return {
        "conversion_metrics_ready": metrics_ready(day, ctx.sim.conversion_metrics_ready_lag_days, today),
        "non_conversion_metrics_ready": metrics_ready(day, ctx.sim.metrics_ready_lag_days, today),
    }
