"""Which days' ads metrics are final: `GET /resources/metrics_ready_state?date=` answers, for one day, whether its
conversion and non-conversion metrics are "finalized and ready to query".

Windowed ads streams (sync analytics, reports) still read the days that are not final (the freshest numbers are
worth having), but their cursor never advances past the last final day (`DateWindows.final_days_only`, applied by
cursor.py), so the next sync reads those days again whatever the lookback. Asked once per sync, newest day first,
at most `MAX_DAYS_ASKED` days back, through the endpoint's own bound stream (`METRICS_READY_STATE`: its error policy,
retries and budget; base.py asks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Optional

from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.declaration import FreeForm, FromSlice, StreamDeclaration
from source_pinterest_marketing.streams.fetchers import SINGLE_OBJECT

logger = logging.getLogger("airbyte")
#: days asked before giving up on finding a final one (the hold is then that many days back)
MAX_DAYS_ASKED = 7
#: a token without access to the endpoint: the cursor then advances as the rows go (the lookback re-reads)
NOT_AVAILABLE = (
    IgnoredError(status=403, code=None, log_message="metrics_ready_state is not available to this token"),
    IgnoredError(status=404, code=None, log_message="metrics_ready_state is not available"),
)
#: what the API answers for a day (`conversion_metrics_ready`, `non_conversion_metrics_ready`; None: no answer, the
#: endpoint not being available), and the HTTP status of that answer
Ask = Callable[[date], tuple[Optional[Mapping[str, Any]], Optional[int]]]
#: the endpoint, declared as a stream is (its error policy and docs), but no stream of the catalog
METRICS_READY_STATE = StreamDeclaration(
    name="metrics_ready_state",
    operation="metrics_ready_state/get",
    path="resources/metrics_ready_state",
    fetcher=SINGLE_OBJECT,
    schema=FreeForm(),
    params={"date": FromSlice("date")},
    ignored_errors=NOT_AVAILABLE,
    bundled_schema=False,
)


@dataclass(frozen=True)
class FinalDays:
    """The last day whose ads metrics are final; None: unknown (the endpoint is not available)."""

    last: Optional[date]


def last_final_day(context: SyncContext, ask: Ask) -> Optional[date]:
    """The last day whose conversion and non-conversion metrics are both final (asked once per sync, with `ask`)."""
    return context.shared_holder("metrics_ready_state", lambda: _final_days(ask)).get().last


def _final_days(ask: Ask) -> FinalDays:
    today = utc_today()
    for back in range(MAX_DAYS_ASKED):
        day = today - timedelta(days=back)
        state, status = ask(day)
        if state is None:
            logger.warning(
                "Pinterest did not say which days' metrics are final (HTTP %s): cursors advance as rows are read; "
                "lookback_window_days re-reads recent days",
                status,
            )
            return FinalDays(None)
        if state.get("conversion_metrics_ready") is True and state.get("non_conversion_metrics_ready") is True:
            if back:
                logger.info("Ads metrics are final up to %s (metrics_ready_state); later days are re-read next sync", day)
            return FinalDays(day)
    held = today - timedelta(days=MAX_DAYS_ASKED)
    logger.warning(
        "Pinterest says no day of the last %d has final ads metrics (metrics_ready_state): cursors stay at %s at most",
        MAX_DAYS_ASKED,
        held,
    )
    return FinalDays(held)
