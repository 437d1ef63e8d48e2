"""Ad accounts: the root of every ads stream's partitioning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Optional

from typing_extensions import override

from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams.base import PinterestStream, shared_records


class AdAccounts(PinterestStream):
    """Every ad account the token can read, or the configured `ad_account_ids`.

    https://developers.pinterest.com/docs/api/v5/ad_accounts-list
    Configured ids are read one by one (`GET /ad_accounts/{id}`), so an id the token cannot read
    fails with an error naming it instead of being skipped.
    """

    stream_name = "ad_accounts"
    shared_fields = ("id",)

    @property
    def _configured(self) -> bool:
        return bool(self.context.config.ad_account_ids)

    @property
    @override
    def paginated(self) -> bool:  # type: ignore[override]
        return not self._configured

    @property
    @override
    def records_key(self) -> Optional[str]:  # type: ignore[override]
        return None if self._configured else "items"

    @override
    def path(self, *, stream_slice: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> str:
        if stream_slice and "ad_account_id" in stream_slice:
            return f"ad_accounts/{stream_slice['ad_account_id']}"
        return "ad_accounts"

    @override
    def stream_slices(self, **kwargs: Any) -> Iterable[Optional[Mapping[str, Any]]]:
        if self._configured:
            for account_id in self.context.config.ad_account_ids:
                yield {"ad_account_id": account_id}
        else:
            yield {}

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> dict[str, Any]:
        return {} if self._configured else {"include_shared_accounts": "true"}


def ad_account_ids(context: SyncContext) -> list[str]:
    """The ids of the ad accounts this sync reads, listed once per sync and shared by all streams."""
    if context.config.ad_account_ids:
        return list(context.config.ad_account_ids)
    return [str(record["id"]) for record in shared_records(context, AdAccounts, {})]
