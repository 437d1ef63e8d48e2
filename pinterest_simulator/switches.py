"""Named readings of behaviours the API description leaves open: one switch per open point, one value per reading.

Where Pinterest's OpenAPI description (``data/openapi.json``) and docs/dev/API-NOTES.md#open-points leave a
behaviour open, the simulator does not pick one reading silently: each plausible reading is a value of a named
switch, so the connector's tests can run under every reading. The defaults are what the simulator did before the
switches existed.

Set them with ``Simulator(switches={"hour_date": "date"})`` (a mapping or a `Switches`), at run time with
``sim.switches.hour_date = "date"`` or ``with sim.switches.temporarily(hour_date="date"): ...``, on the command line
with ``--switch hour_date=date`` (repeatable), or over HTTP with ``POST /_sim/switches {"hour_date": "date"}``.
An unknown name or value raises `SwitchError` naming the valid ones. Report jobs keep the switches of the moment
they were created.

This module imports nothing from the package: every layer may read it.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

KeywordScope = Literal["direct", "subtree"]
HourDate = Literal["date_hour", "date"]
TotalDate = Literal["none", "start_date", "end_date"]
WeekStart = Literal["monday", "sunday"]
PeriodLabel = Literal["period_start", "first_requested_day"]
Throttle = Literal["http_429", "http_400_retry_after", "code_12"]
ProductGroupIds = Literal["promotion", "catalog_product_group"]
PinMetricMismatch = Literal["lenient", "omit", "refuse"]
UnknownPin = Literal["omit", "not_found"]
TopPinsDataStatus = Literal["by_date", "by_metric"]
FlagForm = Literal["boolean", "string", "integer", "digit_string"]
RefreshTokenRotation = Literal["immediate", "at_expiry"]
ProcessingResultsPaging = Literal["first_page", "repeating_bookmark", "bookmark"]
CatalogReportFormat = Literal["csv", "json"]
CatalogAllItemsReport = Literal["allowed", "restricted"]
LinkedBusinessId = Literal["absent", "present"]
BusinessAccessPaging = Literal["bookmark", "start_index"]
BusinessPartnerTypeDefault = Literal["both", "internal"]
WebsiteVerifiedAt = Literal["absent", "null"]
TargetingOptionsShape = Literal["one_map", "map_per_option"]
UnsharedAudience = Literal["empty", "not_found"]
LabelsItem = Literal["wrapped", "label"]
FeaturedTopicsDefault = Literal["every_interest", "all_only"]
LeadFormQuestionsShape = Literal["names", "items"]
LeadsExportFormat = Literal["csv", "json"]
LeadsRetention = Literal["clip", "refuse"]
NonLeadAdExport = Literal["empty", "refuse"]
MeasurementFileFormat = Literal["json_by_id", "csv"]
ConversionReportMinWindow = Literal["seven_dates", "seven_days_apart"]
MmmDateLimits = Literal["reports", "sync_analytics"]
Delivery = Literal["every_day", "scheduled"]
IdleRows = Literal["zero_filled", "omitted"]
IdleTotalRows = Literal["listed", "omitted"]


class SwitchError(ValueError):
    """An unknown switch name or value; the message lists the valid ones."""


@dataclass
class Switches:
    """The simulator's switches (see the module docstring); each attribute's docstring says what its values
    assume and where the question comes from."""

    keyword_scope: KeywordScope = "direct"
    """Which keywords ``keywords/get`` returns for a parent filter.

    - ``direct`` (default): ``campaign_id`` returns the keywords whose parent is that campaign; with no filter, only
      the keywords whose parent is the ad account itself.
    - ``subtree``: ``campaign_id`` returns the campaign's keywords and those of its ad groups; with no filter, every
      keyword of the ad account (account, campaign and ad group parents).

    ``ad_group_id`` and ``ad_group_ids`` return the ad groups' own keywords under both.
    Source: spec ``keywords/get`` (https://developers.pinterest.com/docs/api/v5/keywords-get) is silent on whether
    ``campaign_id`` reaches down to the campaign's ad groups. For no filter its description says it "will only
    return keywords that specifically have parent_id set to the ad_account_id" (``direct``); ``subtree``'s
    no-filter answer reads the account filter like the campaign filter, against that sentence.
    """

    hour_date: HourDate = "date_hour"
    """The ``DATE`` of HOUR rows (report files and sync analytics with ``granularity=HOUR``).

    - ``date_hour`` (default): ``"YYYY-MM-DD HH:00:00"``, one row per hour.
    - ``date``: ``"YYYY-MM-DD"`` only; still 24 rows per day per entity, in hour order within each entity's list.

    Source: spec ``components.schemas.Granularity`` offers HOUR, while the rows' ``DATE`` is typed ``format: date``
    (e.g. ``CampaignsAnalyticsResponse``), which cannot carry an hour; the report file's format is not in the spec.
    """

    total_date: TotalDate = "none"
    """The ``DATE`` of TOTAL rows (report files and sync analytics with ``granularity=TOTAL``).

    - ``none`` (default): no ``DATE`` key.
    - ``start_date``: the request's ``start_date``.
    - ``end_date``: the request's ``end_date`` (as sent, even past today).

    Source: spec ``CampaignsAnalyticsResponse`` (and the other ``*AnalyticsResponse``): ``DATE`` is "Only returned
    when granularity is a time-based value (DAY, HOUR, WEEK, MONTH)"; what a report file's TOTAL row carries is
    not in the spec.
    """

    period_label: PeriodLabel = "period_start"
    """The ``DATE`` of a WEEK or MONTH row whose period began before the request's ``start_date`` (the row then sums
    only the requested days).

    - ``period_start`` (default): the period's first day, before ``start_date``.
    - ``first_requested_day``: the request's ``start_date`` (the first day the row sums). Other rows are labelled
      with their period's first day under both.

    Source: spec silent: ``components.schemas.Granularity`` lists ``WEEK`` and ``MONTH`` and ``DATE`` is "Current
    metrics date" (e.g. ``AdPinAnalytics.DATE``); what a period cut by the request's start is labelled with is not said.
    """
    week_start: WeekStart = "monday"
    """The first day of a WEEK period (report files and sync analytics with ``granularity=WEEK``).

    - ``monday`` (default): weeks run Monday to Sunday.
    - ``sunday``: weeks run Sunday to Saturday.

    Under both, a WEEK row's ``DATE`` is the first day of its week, even when that day is before the request's
    ``start_date`` (the row then sums only the requested days); a MONTH row's is the first of its month.
    Source: spec silent: ``components.schemas.Granularity`` lists ``WEEK`` (the ``granularity`` texts say
    "WEEKLY"), with no first day of the week and no rule for the row's date.
    """

    throttle: Throttle = "http_429"
    """The form of a rate-limit answer (fault kind ``rate_limit``: ``sim.faults.add("rate_limit", reset=N)``).

    - ``http_429`` (default): HTTP 429, body ``{"code": 8, "message": "This request exceeded a rate limit..."}``,
      header ``X-RateLimit-Reset: N``.
    - ``http_400_retry_after``: HTTP 400, body ``{"code": 12, "message": "Rate limit exceeded. Retry after N
      seconds."}``, no rate-limit header.
    - ``code_12``: HTTP 400, body ``{"code": 12, "message": "Rate limit exceeded."}``; no wait announced anywhere.

    Source: the spec shows 429 with code 8 (examples on ``multi_pins/analytics`` and ``events/create``) and declares
    no response headers; https://developers.pinterest.com/docs/reference/rate-limits/ gives the limits but not the
    answer's form. The two HTTP 400 forms are not in the spec (it is silent on them).
    """

    product_group_ids: ProductGroupIds = "promotion"
    """What the ``product_group_ids`` of ``product_groups/analytics`` are, and what the PRODUCT_GROUP_ID of
    PRODUCT_GROUP and PRODUCT_ITEM level report rows (and the reports' ``product_group_ids`` filter) names.

    - ``promotion`` (default): product group promotion ids (``ProductGroupPromotion.id``); one row per promotion.
    - ``catalog_product_group``: catalog product group ids (``ProductGroupPromotion.catalog_product_group_id``, the
      ids of ``catalogs_product_groups/list``); one row per catalog product group promoted in the ad account,
      summing the account's promotions of it.

    Unknown ids are skipped silently under both.
    Source: spec silent: ``product_groups/analytics`` says "List of Product group ids" only
    (https://developers.pinterest.com/docs/api/v5/product_groups-analytics).
    """

    pin_metric_mismatch: PinMetricMismatch = "lenient"
    """What ``multi_pins/analytics`` answers for a Pin whose media does not fit the request's metric types (the
    ``metric_types`` parameter is a ``oneOf`` of two variants: "Standard Pin metric types" and "Video Pin metric
    types"; a request must take all its types from one of them, else 400 code 1). A Pin is a video Pin when its
    ``media.media_type`` is ``video`` or ``multiple_videos``.

    - ``lenient`` (default): every requested metric for every Pin: the video-only metrics (``VIDEO_*``,
      ``QUARTILE_95_PERCENT_VIEW``) of a non-video Pin are 0; the standard-only ones (``USER_FOLLOW``,
      ``PROFILE_VISIT``) of a video Pin have values like any Pin's (what the simulator answered before the switch).
    - ``omit``: a Pin's ``daily_metrics`` and ``summary_metrics`` leave out the metrics of the other variant: no
      video-only keys for a non-video Pin, no standard-only keys for a video Pin.
    - ``refuse``: 400 code 1 when a requested Pin does not fit the variant: video-only metric types with a non-video
      Pin, standard-only metric types with a video Pin. Metric types in both variants (``IMPRESSION``, ``SAVE``,
      ...) fit every Pin.

    Source: spec silent: ``multi_pins/analytics`` (https://developers.pinterest.com/docs/api/v5/multi_pins-analytics)
    declares the two variants without saying what a Pin of the other media gets.
    """

    unknown_pin: UnknownPin = "omit"
    """What ``multi_pins/analytics`` answers when a requested Pin is not one the operation user can read (deleted
    since it was listed, for instance).

    - ``omit`` (default): the other Pins' analytics; the unknown Pin is not in the answer.
    - ``not_found``: HTTP 404 ``{"code": 50, "message": "Pin not found."}`` for the whole request.

    Source: spec ``multi_pins/analytics`` (https://developers.pinterest.com/docs/api/v5/multi_pins-analytics) declares
    a 404 with the example code 50 "Pin not found." without saying whether one unknown Pin of a batch fails it.
    """
    top_pins_data_status: TopPinsDataStatus = "by_date"
    """The keys of a Pin's ``data_status`` object in ``user_account/analytics/top_pins`` and ``top_video_pins``.

    - ``by_date`` (default): one key per date of the request's range (``YYYY-MM-DD``, up to today), the date's
      ``DataStatus`` as in ``daily_metrics`` (the last two days PROCESSING, earlier days READY).
    - ``by_metric``: one key per returned metric, READY when every day of the range is READY, else PROCESSING.

    Source: spec silent: ``TopPinsAnalyticsResponse`` / ``TopVideoPinsAnalyticsResponse`` type ``data_status`` as
    an object whose values are ``DataStatus``, without naming its keys or giving an example
    (https://developers.pinterest.com/docs/api/v5/user_account-analytics-top_pins).
    """

    flag_form: FlagForm = "boolean"
    """The wire form of the flag columns of analytics and report rows (``IS_*`` and ``CAMPAIGN_BUDGET_OPTIMIZATION``:
    ``metrics.column_kind`` "flag"), in sync analytics answers, JSON report files and CSV report files alike.

    - ``boolean`` (default): JSON ``true`` / ``false``.
    - ``string``: the texts ``"true"`` / ``"false"``.
    - ``integer``: the numbers ``1`` / ``0``.
    - ``digit_string``: the texts ``"1"`` / ``"0"``.

    A CSV cell has no type: ``boolean`` and ``string`` both write ``true`` / ``false``, ``integer`` and
    ``digit_string`` both ``1`` / ``0``.
    Source: spec silent: ``IS_PREMIERE_CAMPAIGN`` and ``CAMPAIGN_BUDGET_OPTIMIZATION`` are values of the ``columns``
    enums (e.g. ``campaigns/analytics``, https://developers.pinterest.com/docs/api/v5/campaigns-analytics) with no
    type; the rows are ``additionalProperties: true`` (``CampaignsAnalyticsResponse``) and the report file's format is
    not in the spec. Only the entity field ``CampaignResponse.is_campaign_budget_optimization`` is typed (boolean).
    """

    refresh_token_rotation: RefreshTokenRotation = "immediate"
    """What becomes of a refresh token once a refresh (``POST /oauth/token``, ``grant_type=refresh_token``) has
    answered with a new one.

    - ``immediate`` (default): it stops working at once; using it again answers 400 ``{"code": 1, "message":
      "Invalid refresh token."}``. Whoever did not save the new token must re-authenticate.
    - ``at_expiry``: it keeps working until its own ``refresh_token_expires_at`` (60 days after it was issued); each
      refresh still answers with a new refresh token.

    Source: spec ``oauth/token`` (https://developers.pinterest.com/docs/api/v5/oauth-token): the refresh response
    requires a new ``refresh_token`` (``OauthAccessTokenResponseRefresh``) and the description says continuous refresh
    tokens have a "60-day expiration" and "can be refreshed indefinitely"; whether the token sent stays valid after
    the refresh is not said.
    """

    processing_results_paging: ProcessingResultsPaging = "first_page"
    """How ``feed_processing_results/list`` pages (its results are newest first).

    - ``first_page`` (default): only the first ``page_size`` results, ``bookmark`` always null; a ``bookmark`` sent
      is ignored (the first page again).
    - ``repeating_bookmark``: the first page carries a bookmark when more results exist, but sending it back answers
      the first page again: a client that follows bookmarks until null never ends.
    - ``bookmark``: bookmark pages like every other list (the release the description announces).

    Source: spec ``feed_processing_results/list``
    (https://developers.pinterest.com/docs/api/v5/feed_processing_results-list): "for now the bookmark parameter is
    not functional and only the first page will be available until it is implemented in some release in the near
    future"; whether the answer still carries a bookmark, and what sending it does, is not said.
    """

    catalog_report_format: CatalogReportFormat = "csv"
    """The file behind a finished catalog report's ``url`` (``reports/create`` / ``reports/get``).

    - ``csv`` (default): RFC 4180 CSV, a header line of the report type's columns, one line a row.
    - ``json``: a JSON array of objects with the same keys (a missing value is null).

    The columns of each report type are the simulator's (`catalog_reports.REPORT_COLUMNS`). Source: spec silent:
    ``CatalogsReport`` (https://developers.pinterest.com/docs/api/v5/reports-get) has only ``report_status``,
    ``url`` ("URL to download the report") and ``size``; neither the file's format nor its columns are described.
    """

    catalog_all_items_report: CatalogAllItemsReport = "allowed"
    """Whether the token user may build an ``ALL_ITEMS`` catalog report.

    - ``allowed`` (default): like the other report types.
    - ``restricted``: ``reports/create`` with ``report_type: ALL_ITEMS`` answers 403 ``{"code": 29, "message": "You
      are not permitted to access that resource."}``; the other types work.

    Source: spec ``reports/create`` (https://developers.pinterest.com/docs/api/v5/reports-create): "Access to the All
    Items report type is restricted to a specific group of users"; the answer to the others is not described (the
    403 code 29 form is the spec's "not permitted" example of other operations).
    """

    linked_business_id: LinkedBusinessId = "absent"
    """Whether the items of ``linked_business_accounts/get`` carry the business's ``id``.

    - ``absent`` (default): ``username`` and the four image URLs only, as ``LinkedBusiness`` declares; a business id
      comes from ``get/business_employers`` (``items[].id``) or, for the token user's own business, from
      ``user_account/get`` (``id``).
    - ``present``: each item also has ``id``, the business id the ``/businesses/{business_id}/...`` operations take.

    Source: spec ``LinkedBusiness`` (https://developers.pinterest.com/docs/api/v5/linked_business_accounts-get) has
    no id, while the business operations need one ("Unique identifier of the requesting business").
    """

    business_access_paging: BusinessAccessPaging = "bookmark"
    """How ``get/business_members``, ``get/business_partners``, ``business_assets/get`` and
    ``get/business_employers`` page: each takes ``bookmark`` and ``page_size``, the first three also ``start_index``
    ("An index to start fetching the results from").

    - ``bookmark`` (default): bookmark pages; ``start_index`` skips that many results before the first page (a
      bookmark sent with it continues after the bookmark, ignoring it).
    - ``start_index``: the answer's ``bookmark`` is always null and a ``bookmark`` sent is ignored; the next page is
      ``start_index`` + ``page_size``.

    A client paging by ``start_index`` until a page shorter than ``page_size`` reads every item under both.
    Source: spec silent: ``query_business_access_start_index`` and ``query_bookmark`` are both declared
    (https://developers.pinterest.com/docs/api/v5/get-business_members) without saying how they combine.
    """

    business_partner_type_default: BusinessPartnerTypeDefault = "both"
    """What ``get/business_partners`` answers without ``partner_type``.

    - ``both`` (default): internal and external partners.
    - ``internal``: internal partners only (the parameter's example).

    With ``partner_type=INTERNAL`` or ``EXTERNAL`` the same under both. Source: spec ``get/business_partners``
    (https://developers.pinterest.com/docs/api/v5/get-business_partners): ``partner_type`` has no default and the
    description does not say what its absence means.
    """

    website_verified_at: WebsiteVerifiedAt = "absent"
    """The ``verified_at`` of a website that is not verified (``user_websites/get``).

    - ``absent`` (default): no ``verified_at`` key.
    - ``null``: ``"verified_at": null``.

    Source: spec ``UserWebsiteSummary`` (https://developers.pinterest.com/docs/api/v5/user_websites-get):
    ``verified_at`` is a non-nullable string "UTC timestamp when the verification happened - sometimes missing".
    """

    targeting_options_shape: TargetingOptionsShape = "one_map"
    """The shape of a ``targeting_options/get`` answer (an array of objects mapping a targeting value to its name).

    - ``one_map`` (default): one object holding every value, ``[{"807": "U.S.: San Francisco-Oakland-San Jose",
      "US": "United States of America", ...}]``, as the spec's sample return; ``[]`` when the type has no value.
    - ``map_per_option``: one object per value, ``[{"807": "U.S.: ..."}, {"US": "United States of America"}]``.

    Source: spec ``targeting_options/get`` (https://developers.pinterest.com/docs/api/v5/targeting_options-get):
    ``TargetingOptionResponse`` is an array of free-form objects; the one sample return (LOCATION) is a single object.
    """

    unshared_audience: UnsharedAudience = "empty"
    """What ``ad_accounts_audiences_shared_accounts/list`` answers for an audience of the ad account shared with no
    account of the requested ``account_type``.

    - ``empty`` (default): an empty page, ``{"items": [], "bookmark": null}``.
    - ``not_found``: HTTP 404 ``{"code": 2, "message": "Shared accounts not found."}``.

    An audience the ad account does not own (or no audience) is the 404 under both.
    Source: spec ``ad_accounts_audiences_shared_accounts/list``
    (https://developers.pinterest.com/docs/api/v5/ad_accounts_audiences_shared_accounts-list) declares a 404 "Shared
    accounts not found." without saying whether an audience shared with nobody is one.
    """

    labels_item: LabelsItem = "wrapped"
    """The items of a ``labels/list`` page.

    - ``wrapped`` (default): each item is a ``LabelsResponse`` wrapping one label, ``{"labels": [Label], "errors":
      []}``, as the spec types the items.
    - ``label``: each item is a ``Label`` itself (``{id, value, label_type, parent_id, parent_type, status}``).

    Source: spec ``labels/list`` (https://developers.pinterest.com/docs/api/v5/labels-list): the items are
    ``LabelsResponse`` (``{labels, errors}``, the shape of the create answer), which says neither how many labels an
    item holds nor whether the list's items are the labels themselves.
    """

    featured_topics_default: FeaturedTopicsDefault = "every_interest"
    """What ``trends_featured_topics/list`` answers without its optional ``interest``.

    - ``every_interest`` (default): one ``FeaturedTrend`` per ``InterestsEnum`` value (``ALL`` first), each with its
      top five topics.
    - ``all_only``: one ``FeaturedTrend``, the interest ``ALL``.

    With ``interest``: that interest's ``FeaturedTrend`` under both.
    Source: spec ``trends_featured_topics/list``
    (https://developers.pinterest.com/docs/api/v5/trends_featured_topics-list): "top five trending topics by interest
    and market"; the answer is an array, and what it holds without ``interest`` is not said.
    """

    lead_form_questions_shape: LeadFormQuestionsShape = "names"
    """The body of ``lead_form_questions/get`` ("Get a list of all lead form question type names"): the spec declares
    a 200 "Success" without any content schema.

    - ``names`` (default): a JSON array of the names, e.g. ``["CUSTOM", "FULL_NAME", ...]`` (the
      ``LeadFormQuestionType`` values).
    - ``items``: an object ``{"items": [names]}``, as the list operations wrap their items (no bookmark).

    Source: spec silent: ``lead_form_questions/get`` (https://developers.pinterest.com/docs/api/v5/lead_form_questions-get)
    has no response schema.
    """

    leads_export_format: LeadsExportFormat = "csv"
    """The file a leads export's ``download_url`` serves (``leads_export/get``).

    - ``csv`` (default): RFC 4180, UTF-8: a header ``lead_id, created_time, advertiser_id, campaign_id, ad_group_id,
      ad_id, lead_form_id`` and one column per question of the ad's lead form (its ``question_type``, a custom
      question's label), one line per lead; ``created_time`` as ``YYYY-MM-DDTHH:MM:SSZ``.
    - ``json``: a JSON array of leads, each with those fields (``created_time`` in Unix seconds) and ``answers``: an
      object question label -> answer.

    Source: spec silent: ``leads_export/get`` (https://developers.pinterest.com/docs/api/v5/leads_export-get) gives a
    ``download_url`` "to a list of lead export" and nothing of its content.
    """

    leads_retention: LeadsRetention = "clip"
    """What ``leads_export/create`` does with a ``start_date`` more than 30 days before today ("Lead ad data will be
    available up to 30 days after the lead has been submitted").

    - ``clip`` (default): accepted; the export holds only the leads of the last 30 days.
    - ``refuse``: 400 ``{code: 400}`` naming the oldest ``start_date`` allowed.

    Source: spec ``leads_export/create`` (https://developers.pinterest.com/docs/api/v5/leads_export-create): the
    30-day note only.
    """

    non_lead_ad_export: NonLeadAdExport = "empty"
    """What ``leads_export/create`` does with an ``ad_id`` of the ad account that collects no leads (no
    ``lead_form_id``).

    - ``empty`` (default): the export finishes with no leads (a CSV file of its header alone, a JSON ``[]``).
    - ``refuse``: 400 ``{code: 400}`` saying the ad has no lead form.

    An ``ad_id`` that is not one of the account's ads is 400 under both. Source: spec silent:
    ``LeadsExportCreateRequest.ad_id`` is "ID for the ad collecting leads"
    (https://developers.pinterest.com/docs/api/v5/leads_export-create).
    """

    measurement_file_format: MeasurementFileFormat = "json_by_id"
    """The file of a brand/category/SKU report (``analytics/get_conversion_product_report``) and of an MMM report
    (``analytics/get_mmm_report``).

    - ``json_by_id`` (default): as the simulator's standard report files: ``{"<entity id>": [row, ...]}``, rows
      with UPPER_CASE keys (the level's id columns, the breakdown's product columns or the targeting type and value,
      ``DATE`` for time granularities, the requested columns), metrics that are 0 left out.
    - ``csv``: RFC 4180, UTF-8: a header of ``DATE`` (time granularities) and the requested columns (MMM:
      ``TARGETING_TYPE`` and ``TARGETING_VALUE`` too), one line per row, a metric without a value written 0.

    Source: spec silent: ``AdsAnalyticsGetAsyncResponse.url`` and ``GetMMMReportResponse.data.url`` are bare
    strings (https://developers.pinterest.com/docs/api/v5/analytics-get_conversion_product_report,
    https://developers.pinterest.com/docs/api/v5/analytics-get_mmm_report); neither request has a format field.
    """

    conversion_report_min_window: ConversionReportMinWindow = "seven_dates"
    """How ``analytics/create_conversion_product_report`` reads "7 day minimum time window for report is required".

    - ``seven_dates`` (default): at least 7 dates, both ends included (``end_date - start_date >= 6 days``).
    - ``seven_days_apart``: ``end_date - start_date >= 7 days`` (8 dates).

    A shorter window is 400 ``{code: 400}``. Source: spec ``ConversionProductReportRequest.start_date``
    (https://developers.pinterest.com/docs/api/v5/analytics-create_conversion_product_report).
    """

    mmm_date_limits: MmmDateLimits = "reports"
    """How far back and how long an MMM report (``analytics/create_mmm_report``) may reach; the spec gives no limit.

    - ``reports`` (default): as ``analytics/create_report``: a start at most 914 days back, at most 186 days from
      start to end.
    - ``sync_analytics``: as the sync analytics: 90 days back, 90 days from start to end.

    Under both an end before the start or after today is 400 ``{code: 400}``. Source: spec silent:
    ``CreateMMMReportRequest`` (https://developers.pinterest.com/docs/api/v5/analytics-create_mmm_report) types the
    dates with no range.
    """

    delivery: Delivery = "every_day"
    """Which ads deliver on which days: the data the next two switches read (not a reading of the API: a sync
    analytics answer depends on it, and the simulator's data never had an entity that did not deliver).

    - ``every_day`` (default): every ad delivers every day (every metric row of the data before the switch).
    - ``scheduled``: `metrics.Delivery`, by each entity's place in its ad account's list: every fourth campaign
      (the 4th, 8th, ...) has ended and delivers on no day; the campaign before it (the 3rd, 7th, ...) is paused one
      day in three; every fifth ad group (the 5th, 10th, ...) has no budget and every sixth ad (the 6th, 12th, ...) is
      paused, on every day. An ad delivers on a day when it, its ad group and its campaign all do; a campaign, an ad
      group, an ad account or a promoted Pin delivers on a day when one of its ads does.

    It applies to the sync ads analytics (the account, campaign, ad group, ad and promoted Pin levels and their
    targeting breakdowns: a breakdown has no row for a day its entity did not deliver, under either reading of
    ``idle_rows``); report files and product group analytics are unchanged. Source: not in the spec (data, not a
    reading): a campaign that is paused, out of budget or ended delivers nothing.
    """

    idle_rows: IdleRows = "zero_filled"
    """What a sync ads analytics request at HOUR, DAY, WEEK or MONTH granularity answers for a requested entity in
    a period in which it did not deliver (``delivery``): a paused, ended or unfunded campaign, ad group, ad, or a
    promoted Pin of one.

    - ``zero_filled`` (default): a row like any other, every requested metric 0 (the entity's id, name and text
      columns as usual).
    - ``omitted``: no row for that entity and period.

    The same for every level (``ad_account/analytics``, ``campaigns/analytics``, ``ad_groups/analytics``,
    ``ads/analytics``, ``ad_pins/analytics``). Source: spec silent: the answers (``CampaignsAnalyticsResponse``
    ...) are arrays of rows, one per entity and ``DATE``, and nothing says whether an entity without delivery has
    one (https://developers.pinterest.com/docs/api/v5/campaigns-analytics); of report files only,
    ``AdsAnalyticsCreateAsyncRequest.report_format`` says "Both report formats will omit rows where all the columns
    are equal to 0".
    """

    idle_total_rows: IdleTotalRows = "listed"
    """What a sync ads analytics request at TOTAL granularity answers for a requested entity that did not deliver
    on any day of the request (``delivery``).

    - ``listed`` (default): a row, every requested metric 0: a TOTAL request lists every requested entity.
    - ``omitted``: no row for it.

    Independent of ``idle_rows`` (a TOTAL answer may list every entity while daily answers leave idle days out, or
    the other way round). Source: spec silent, as for ``idle_rows``: ``granularity`` "TOTAL - metrics are aggregated
    over the specified date range" does not say whether an entity with nothing to aggregate has a row
    (https://developers.pinterest.com/docs/api/v5/campaigns-analytics).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, check(name, value))

    # -- building and changing ----------------------------------------------------------------
    @classmethod
    def of(cls, value: Switches | Mapping[str, Any] | None) -> Switches:
        """A new `Switches` from a `Switches` (copied), a mapping name -> value (the rest default), or None."""
        if value is None:
            return cls()
        if isinstance(value, Switches):
            return dataclasses.replace(value)
        if not isinstance(value, Mapping):
            raise SwitchError(f"switches must be a mapping name -> value or a Switches, not {type(value).__name__}")
        switches = cls()
        switches.update(value)
        return switches

    def update(self, values: Mapping[str, Any]) -> None:
        """Set several switches at once; nothing changes when one name or value is invalid."""
        checked = {name: check(name, value) for name, value in values.items()}
        for name, value in checked.items():
            setattr(self, name, value)

    def reset(self) -> None:
        """Every switch back to its default."""
        self.update(DEFAULTS)

    @contextmanager
    def temporarily(self, **values: Any) -> Iterator[Switches]:
        """Set switches for the duration of a ``with`` block, then restore the previous values."""
        before = self.as_dict()
        self.update(values)
        try:
            yield self
        finally:
            self.update(before)

    # -- reading ------------------------------------------------------------------------------
    def as_dict(self) -> dict[str, str]:
        """``{name: value}`` of every switch."""
        return {name: getattr(self, name) for name in CHOICES}

    def key(self) -> tuple[str, ...]:
        """The values in a fixed order: part of every cache key (`cache.py`)."""
        return tuple(getattr(self, name) for name in CHOICES)


def _choices() -> dict[str, tuple[str, ...]]:
    hints = typing.get_type_hints(Switches)
    return {f.name: typing.get_args(hints[f.name]) for f in dataclasses.fields(Switches)}


#: switch name -> its valid values, the default first
CHOICES: dict[str, tuple[str, ...]] = _choices()
#: switch name -> its default value
DEFAULTS: dict[str, str] = {f.name: f.default for f in dataclasses.fields(Switches)}  # type: ignore[misc]
#: switches of endpoints no connector stream reads yet (issue 23 adds the streams later): the connector's tests and
#: probe cover every switch but these; a stream that reads such an endpoint takes its switch out of this set
AWAITING_STREAMS: frozenset[str] = frozenset()


def check(name: str, value: Any) -> str:
    """`value` when it is a valid value of switch `name`; `SwitchError` listing the valid ones otherwise."""
    if name not in CHOICES:
        raise SwitchError(f"unknown switch {name!r}; the switches are: {', '.join(CHOICES)}")
    if value not in CHOICES[name]:
        raise SwitchError(f"switch {name!r} has no value {value!r}; its values are: {', '.join(CHOICES[name])}")
    return str(value)


def parse_assignment(text: str) -> tuple[str, str]:
    """``"NAME=VALUE"`` (the CLI's ``--switch``) -> ``(name, value)``, checked."""
    name, sep, value = text.partition("=")
    if not sep:
        raise SwitchError(f"expected NAME=VALUE, got {text!r}; the switches are: {', '.join(CHOICES)}")
    name, value = name.strip(), value.strip()
    return name, check(name, value)
