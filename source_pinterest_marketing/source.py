"""`SourcePinterestMarketing`: the spec, the connection check and the stream list."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import closing
from dataclasses import replace
from typing import Any, Optional

from airbyte_cdk.models import (
    AdvancedAuth,
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateMessage,
    AirbyteStreamStatus,
    AuthFlowType,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    OAuthConfigSpecification,
    Status,
    StreamDescriptor,
    SyncMode,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from airbyte_cdk.utils.stream_status_utils import as_airbyte_message as stream_status
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from typing_extensions import override

from source_pinterest_marketing.cdk_output import SyncOutcome, quiet_misleading_retry_logs
from source_pinterest_marketing.concurrency import ConcurrentRead
from source_pinterest_marketing.config import DOCS_URL, connector_spec_schema, load_config
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import config_error
from source_pinterest_marketing.inputs import read_catalog_file, read_config_file, read_state_file, stream_states
from source_pinterest_marketing.scopes import lacking_message, unreadable_note, unreadable_streams
from source_pinterest_marketing.streams import build_streams
from source_pinterest_marketing.streams.ads import AD_ACCOUNTS, check_ad_account_ids, reads_ad_accounts
from source_pinterest_marketing.streams.base import PinterestStream, bound_stream
from source_pinterest_marketing.streams.organic import USER_ACCOUNT
from source_pinterest_marketing.streams.reports import check_templates, custom_report_declarations

#: a check answers in seconds: few retries of a request or a token refresh, not a sync's patience
CHECK_MAX_RETRIES = 2
CHECK_TOKEN_ATTEMPTS = 2
#: the most the check's token refresh may take (every attempt and wait): the check answers within 30 s
CHECK_TOKEN_SECONDS = 20.0

ADVANCED_AUTH = AdvancedAuth(
    auth_flow_type=AuthFlowType.oauth2_0,
    predicate_key=["credentials", "auth_method"],
    predicate_value="oauth2.0",
    oauth_config_specification=OAuthConfigSpecification(
        complete_oauth_output_specification={
            "type": "object",
            "properties": {
                "refresh_token": {"type": "string", "path_in_connector_config": ["credentials", "refresh_token"]}
            },
        },
        complete_oauth_server_input_specification={
            "type": "object",
            "properties": {"client_id": {"type": "string"}, "client_secret": {"type": "string"}},
        },
        complete_oauth_server_output_specification={
            "type": "object",
            "properties": {
                "client_id": {"type": "string", "path_in_connector_config": ["credentials", "client_id"]},
                "client_secret": {"type": "string", "path_in_connector_config": ["credentials", "client_secret"]},
            },
        },
    ),
)


def _business_access_error(business: str, error: AirbyteTracedException) -> AirbyteTracedException:
    """The user account read as the owner of `business_ad_account_id` failed (the token's own reads worked): say
    that business access is what failed."""
    return config_error(
        f"`business_ad_account_id` {business}: reading as the owner of this ad account failed ({error.message}). "
        "The token's user needs business access to it (Admin or Analyst; Admin for secret boards), or leave the "
        "field empty to read the token user's own boards, Pins and catalogs."
    )


class SourcePinterestMarketing(AbstractSource):
    """Pinterest Marketing API v5: ads, analytics, reports, organic content and catalogs."""

    def __init__(self) -> None:
        super().__init__()
        quiet_misleading_retry_logs()
        self.current_read: Optional[ConcurrentRead] = None
        #: `read` hands records on as `cdk_output.RecordLines` (set by run.py's `read_lines`, which writes them)
        self.record_lines = False
        #: the config file to save rotated OAuth credentials to (`--update-config`, set by run.py); None in Airbyte
        self.config_file: Optional[str] = None

    # The config is validated once, by `load_config`, whose errors name the field and never quote a
    # secret; the CDK's JSON-schema pre-check would report the same problems less clearly.
    check_config_against_spec = False

    @staticmethod
    @override
    def read_config(config_path: str) -> MutableMapping[str, Any]:
        return read_config_file(config_path)

    @classmethod
    @override
    def read_catalog(cls, catalog_path: str) -> ConfiguredAirbyteCatalog:
        return read_catalog_file(catalog_path)

    @classmethod
    @override
    def read_state(cls, state_path: str) -> list[AirbyteStateMessage]:
        return read_state_file(state_path)

    @override
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(
            documentationUrl=DOCS_URL,
            connectionSpecification=connector_spec_schema(),
            advanced_auth=ADVANCED_AUTH,
        )

    @override
    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        succeeded, error = self.check_connection(logger, config)
        if succeeded:
            # `error` of a check that succeeded: what it says of the streams the token cannot read, if any
            return AirbyteConnectionStatus(status=Status.SUCCEEDED, message=error)
        return AirbyteConnectionStatus(status=Status.FAILED, message=str(error))

    @override
    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Optional[Any]]:
        """Refresh the token, then make the least-privileged calls that prove the data is readable:
        the user account (`user_accounts:read`) and every configured ad account (`ads:read`: one listing of the
        readable ones, every unknown id named in one error), or the first page of the accessible ad accounts; then the user account as the owner of the business access ad
        account, and the report templates custom reports read, when configured. It then succeeds, saying which of the
        config's streams the token cannot read for lack of a scope (scopes.py), if any."""
        context: Optional[SyncContext] = None
        try:
            context = SyncContext.create(
                load_config(config),
                config,
                max_retries=CHECK_MAX_RETRIES,
                token_attempts=CHECK_TOKEN_ATTEMPTS,
                token_seconds=CHECK_TOKEN_SECONDS,
                config_file=self.config_file,
            )
            # custom reports the API would refuse fail here, not in the sync
            list(custom_report_declarations(context.config))
            # the token's own user first (without business access), then the ad accounts: every configured one
            # (one listing), or the first page of those the token reads
            # (the token user's own account: a stream of its own, not the sync's `user_account`)
            self._check_readable(logger, PinterestStream(replace(USER_ACCOUNT, params={}), context))
            if context.config.ad_account_ids:
                check_ad_account_ids(context)
                logger.info("Check: the %d configured ad accounts are readable", len(context.config.ad_account_ids))
            else:
                self._check_readable(logger, bound_stream(context, AD_ACCOUNTS))
            if context.config.business_ad_account_id:
                try:
                    self._check_readable(logger, bound_stream(context, USER_ACCOUNT))
                except AirbyteTracedException as error:
                    raise _business_access_error(context.config.business_ad_account_id, error) from None
            check_templates(context)
            unreadable = self._unreadable(logger, context)
        except AirbyteTracedException as error:
            return False, error.message
        except Exception as error:  # noqa: BLE001 - check must report, not crash
            return False, filter_secrets(f"Unexpected error while checking the connection: {error}")
        finally:
            if context is not None:
                context.close()
        return True, unreadable

    @staticmethod
    def _unreadable(logger: logging.Logger, context: SyncContext) -> Optional[str]:
        """What the check says of the config's streams the token cannot read for lack of a scope (None: it reads all,
        or its scopes are unknown: an access token says none)."""
        granted = context.granted_scopes()
        if granted is None:
            logger.info("Check: the token's scopes are unknown (an access token): a stream needing one it lacks fails")
            return None
        operations = {
            stream.name: stream.declaration.operation
            for stream in build_streams(context)
            if not stream.declaration.switched_off(context.config)  # an opt-in stream that is off sends nothing
        }
        unreadable = unreadable_streams(granted, operations)
        if not unreadable:
            logger.info("Check: the token has the scopes of every stream")
            return None
        note = unreadable_note(unreadable)
        logger.warning("Check: %s", note)
        return note

    @staticmethod
    def _check_readable(logger: logging.Logger, stream: PinterestStream) -> None:
        for stream_slice in stream.stream_slices(sync_mode=SyncMode.full_refresh):
            with closing(stream.read_slice(stream_slice or {})) as records:
                next(records, None)
            logger.info("Check: %s %s is readable", stream.name, dict(stream_slice or {}) or "")

    @override
    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        context = SyncContext.create(load_config(config), config, config_file=self.config_file)
        return list(build_streams(context))

    @property
    @override
    def message_repository(self) -> Optional[MessageRepository]:
        return self.current_read.message_repository if self.current_read else super().message_repository

    @override
    def read(
        self,
        logger: logging.Logger,
        config: Mapping[str, Any],
        catalog: ConfiguredAirbyteCatalog,
        state: Optional[list[AirbyteStateMessage]] = None,
    ) -> Iterator[AirbyteMessage]:
        """Read the catalog with `num_workers` threads (see concurrency.py); a failed sync ends with one summary
        of its failures (see `SyncOutcome`)."""
        context = SyncContext.create(load_config(config), config, config_file=self.config_file)
        try:
            yield from self._read(logger, context, catalog, state)
        finally:
            context.close()  # a sync leaves no connection open, whatever way it ends

    def _read(
        self,
        logger: logging.Logger,
        context: SyncContext,
        catalog: ConfiguredAirbyteCatalog,
        state: Optional[list[AirbyteStateMessage]],
    ) -> Iterator[AirbyteMessage]:
        selected = [configured.stream.name for configured in catalog.streams]
        repeated = sorted({name for name in selected if selected.count(name) > 1})
        if repeated:
            raise config_error(
                f"Invalid configured catalog: it lists the stream(s) {repeated} more than once (each would be read "
                "that many times). List each stream once."
            )
        if not selected:
            logger.info("The configured catalog selects no stream: there is nothing to read.")
            return
        context.selected_streams = frozenset(selected)
        streams = {stream.name: stream for stream in build_streams(context)}
        concurrent_read = ConcurrentRead(logger, context.config.num_workers, self.record_lines)
        # The catalog and every state are checked before anything is sent.
        prepared = concurrent_read.prepare_all(streams, catalog, stream_states(state))
        # Refresh the OAuth token once here, on the main thread, before the workers start: its answer says the
        # token's scopes, and the streams that need one it lacks are not read (scopes.py)
        context.authenticator.get_auth_header()
        # (a selected opt-in stream that is off sends nothing, so it needs no scope: it says so itself)
        sending = {
            name: streams[name].declaration.operation
            for name in selected
            if not streams[name].declaration.switched_off(context.config)
        }
        unread = unreadable_streams(context.granted_scopes(), sending)
        not_read = {name: lacking_message(missing) for missing, names in unread.items() for name in names}
        prepared = [stream for stream in prepared if stream.name not in not_read]
        for name in not_read:
            yield stream_status(StreamDescriptor(name=name), AirbyteStreamStatus.INCOMPLETE)
        reading = [stream for name, stream in streams.items() if name in selected and name not in not_read]
        if any(reads_ad_accounts(stream.declaration) for stream in reading):
            # every unknown id named in one error, before any stream reads one
            check_ad_account_ids(context)
        self.current_read = concurrent_read
        started = time.monotonic()
        try:
            yield from SyncOutcome(not_read).watch(concurrent_read.run(prepared) if prepared else iter(()))
        finally:
            self.current_read = None
            context.progress.log_totals(time.monotonic() - started)
