"""Bookmark pages of items whose id is another field (``account_id``, ``conversion_tag_id``...): the same keyset
pagination as `routes.paginate` (numeric order of the key, ``order``, ``page_size``, ``bookmark``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pinterest_simulator.routes import Context, paginate


def page_by(ctx: Context, items: Sequence[dict[str, Any]], key: str) -> dict[str, Any]:
    """``{items, bookmark}`` of `items` (in ascending order of their numeric `key`), each item as it is."""
    by_key = {item[key]: item for item in items}
    page = paginate([{"id": value} for value in by_key], ctx.params)
    return {"items": [by_key[entry["id"]] for entry in page["items"]], "bookmark": page["bookmark"]}
