"""Catalog health of the operation user (the token user's catalog, or through Business Access the business's, with an
Owner, Admin or Catalogs Manager role on the ``ad_account_id`` account, else 403 code 29): feed processing results,
their item issues, product group products and their counts, catalog reports. The data is
`pinterest_simulator.catalog_health`, the report jobs `pinterest_simulator.catalog_reports`.

- ``feed_processing_results/list``: a feed's daily results, newest first, paged as the ``processing_results_paging``
  switch says; an unknown feed 404 code 4161.
- ``items_issues/list``: a processing result's sampled affected items (bookmark pages by ``item_number``),
  ``item_numbers`` / ``item_validation_issue`` filters (both at once: 501 code 4181, "cannot be used simultaneously");
  an unknown result 404 code 4184.
- ``catalogs_product_groups/product_counts_get`` / ``catalogs_product_group_pins/list``: a product group's product
  counts / products (bookmark pages by product Pin id; ``pin_metrics`` as ``pins/list``); an unknown group 404 code
  4180, no catalog at all 409 code 4182 for the counts.
- ``reports/create`` / ``reports/get``: see `pinterest_simulator.catalog_reports`; the body is checked against
  ``CatalogsReportParameters`` (400 code 1), its ids against the operation user's catalog (404 codes 678, 4161, 4184;
  a ``catalog_type`` other than the catalog's is "not found" too); no catalog: 409 code 4182.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.catalog_health import (
    affected_items,
    find_result,
    group_products,
    item_issues,
    owned_feed,
    processing_results,
    product,
    product_counts,
    product_pin_id,
    result_days,
    result_status,
    sampled_items,
)
from pinterest_simulator.catalog_reports import (
    DOWNLOAD_PREFIX,
    Rows,
    all_items_rows,
    distribution_rows,
    download,
    download_url,
    feed_ingestion_rows,
    report_file,
)
from pinterest_simulator.dataset import Owner
from pinterest_simulator.handlers.catalogs import no_catalog
from pinterest_simulator.routes import Context, handler, no_access, paginate, paginate_by
from pinterest_simulator.routes import download as download_route
from pinterest_simulator.spec import ApiError, Spec, bad_request
from pinterest_simulator.state import SimulatorState


def feed_not_found() -> ApiError:
    """404 code 4161, as the spec's example."""
    return ApiError(404, 4161, "Sorry! We could not find your catalogs feed.")


def result_not_found() -> ApiError:
    """404 code 4184, as the spec's example."""
    return ApiError(404, 4184, "Sorry! We could not find your processing result.")


def group_not_found() -> ApiError:
    """404 code 4180, as the spec's example."""
    return ApiError(404, 4180, "Sorry! We could not find your catalogs product group.")


def catalog_not_found() -> ApiError:
    """404 code 678, as the spec's example."""
    return ApiError(
        404, 678, "Sorry! We couldn't find that catalog. Please ensure you have access to a valid catalog id."
    )


@handler("feed_processing_results/list")
def feed_processing_results(ctx: Context) -> Any:
    """A feed's processing results, newest first, paged per the ``processing_results_paging`` switch."""
    owner = ctx.operation_user().owner
    feed = owned_feed(owner, ctx.params["feed_id"])
    if feed is None:
        raise feed_not_found()
    results = processing_results(ctx.dataset, owner, feed)
    newest_first = {**ctx.params, "order": "DESCENDING"}
    paging = ctx.sim.switches.processing_results_paging
    if paging == "bookmark":
        return paginate(results, newest_first)
    first = paginate(results, {name: value for name, value in newest_first.items() if name != "bookmark"})
    if paging == "first_page":
        first["bookmark"] = None
    return first


@handler("items_issues/list")
def items_issues(ctx: Context) -> Any:
    """The sampled affected items of a processing result, bookmark pages by item number."""
    owner = ctx.operation_user().owner
    found = find_result(ctx.dataset, owner, ctx.params["processing_result_id"])
    if found is None:
        raise result_not_found()
    numbers = ctx.params.get("item_numbers")
    issue = ctx.params.get("item_validation_issue")
    if numbers is not None and issue is not None:
        raise ApiError(501, 4181, "Not implemented at the moment. Please, see documentation.")
    feed, day = found
    affected = affected_items(ctx.dataset, owner, feed, day)
    if numbers is not None:
        wanted = set(numbers)
        items = [item for item in affected if item.number in wanted]
    else:
        items = sampled_items(affected, day, ctx.params["processing_result_id"])
        if issue is not None:
            items = [item for item in items if issue in {i.code for i in (item.error, item.warning(day)) if i}]
    return paginate_by([item_issues(item, day) for item in items], lambda i: int(i["item_number"]), ctx.params)


def _group(ctx: Context) -> tuple[Owner, dict[str, Any]]:
    owner = ctx.operation_user().owner
    with owner.lock:
        group = owner.by_user["catalogs_product_groups"].get(ctx.params["product_group_id"])
    if group is None:
        raise group_not_found()
    return owner, group


@handler("catalogs_product_groups/product_counts_get")
def product_group_counts(ctx: Context) -> Any:
    """The product counts of a product group (``CatalogsRetailProductGroupProductCounts``)."""
    if not ctx.dataset.has_catalog:
        raise no_catalog()
    owner, group = _group(ctx)
    return product_counts(group_products(owner, ctx.dataset, group))


@handler("catalogs_product_group_pins/list")
def product_group_pins(ctx: Context) -> Any:
    """The products of a product group (``CatalogsRetailProduct``: metadata and product Pin), by product Pin id."""
    owner, group = _group(ctx)
    business = owner is not ctx.dataset.owner
    products = group_products(owner, ctx.dataset, group)
    page = paginate_by(products, lambda item: int(product_pin_id(item, business)), ctx.params)
    metrics = bool(ctx.params.get("pin_metrics"))
    page["items"] = [product(ctx.sim.spec, ctx.dataset.seed, owner, item, business, metrics) for item in page["items"]]
    return page


# -- catalog reports --------------------------------------------------------------------------------------------
#: the report files' links (``/downloads/catalog_reports/``), served without auth
@download_route(DOWNLOAD_PREFIX)
def catalog_report_download(sim: SimulatorState, request: Request) -> Response:
    """A catalog report file's link (`catalog_reports.download`)."""
    return download(sim.catalog_reports, request)


@cache
def _validator(spec: Spec) -> Any:
    return spec.component_validator("CatalogsReportParameters")


@cache
def issue_messages(spec: Spec) -> dict[str, str]:
    """Each item error and warning code's description in the spec (a report row's ``message``)."""
    messages: dict[str, str] = {}
    for name in ("CatalogsItemValidationWarnings", "CatalogsItemValidationErrors"):
        for code, schema in spec.schema(name).get("properties", {}).items():
            messages[code] = str(schema.get("description", ""))
    return messages


def _report_body(ctx: Context) -> dict[str, Any]:
    body = ctx.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object (CatalogsReportParameters).")
    error = next(iter(_validator(ctx.sim.spec).iter_errors(body)), None)
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "body"
        raise bad_request(f"Invalid request: {where}: {error.message[:300]}")
    return body


def _ingestion_rows(ctx: Context, owner: Owner, body: dict[str, Any]) -> Rows:
    """The rows of a FEED_INGESTION_ISSUES report: its feed's result (``processing_result_id``, else "the most
    recent completed processing result")."""
    report = body["report"]
    feed = owned_feed(owner, report["feed_id"])
    if feed is None or feed.get("catalog_type") != body["catalog_type"]:
        raise feed_not_found()
    if "processing_result_id" in report:
        found = find_result(ctx.dataset, owner, report["processing_result_id"])
        if found is None or found[0]["id"] != feed["id"]:
            raise result_not_found()
        day = found[1]
    else:
        days = result_days(ctx.dataset, feed)
        completed = [d for d in days if result_status(ctx.dataset, feed["id"], d) == "COMPLETED"]
        if not completed:
            raise result_not_found()
        day = completed[-1]
    return feed_ingestion_rows(ctx.dataset, owner, feed, day, issue_messages(ctx.sim.spec))


def _report_rows(ctx: Context, owner: Owner, body: dict[str, Any]) -> Rows:
    """The rows the report will hold, or the error the API answers for its parameters."""
    report = body["report"]
    if report["report_type"] == "FEED_INGESTION_ISSUES":
        return _ingestion_rows(ctx, owner, body)
    catalogs = [str(c["id"]) for c in owner.entities("catalogs") if c.get("catalog_type") == body["catalog_type"]]
    catalog_id = str(report.get("catalog_id") or (catalogs[0] if catalogs else ""))  # "oldest catalog will be used"
    if catalog_id not in catalogs:
        raise catalog_not_found()
    if report["report_type"] == "DISTRIBUTION_ISSUES":
        return distribution_rows(ctx.dataset, owner, catalog_id)
    if ctx.sim.switches.catalog_all_items_report == "restricted":
        raise no_access()
    return all_items_rows(ctx.dataset, owner, catalog_id)


@handler("reports/create")
def create_catalog_report(ctx: Context) -> Any:
    """``{token}`` of the day's report with these parameters (the same token for the same parameters all day)."""
    owner = ctx.operation_user().owner
    body = _report_body(ctx)
    if not ctx.dataset.has_catalog or not owner.entities("catalogs"):
        raise no_catalog()
    rows = _report_rows(ctx, owner, body)
    file_format = ctx.sim.switches.catalog_report_format
    job = ctx.sim.catalog_reports.create(owner.user["id"], body, ctx.dataset.today(), file_format, lambda: rows)
    return {"token": job.token}


@handler("reports/get")
def get_catalog_report(ctx: Context) -> Any:
    """The report's status; ``url`` and ``size`` once FINISHED; 400 code 1104 for an unknown or expired token."""
    owner = ctx.operation_user().owner
    if not ctx.dataset.has_catalog or not owner.entities("catalogs"):
        raise no_catalog()
    job = ctx.sim.catalog_reports.poll(ctx.params["token"], owner.user["id"])
    if job is None:
        raise ApiError(400, 1104, "The token you provided is not valid or has expired.")
    if job.status != "FINISHED":
        return {"report_status": job.status, "url": None, "size": None}
    return {"report_status": "FINISHED", "url": download_url(ctx.sim.root_url, job), "size": len(report_file(job))}
