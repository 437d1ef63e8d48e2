"""The simulator: a werkzeug WSGI app serving ``/v5`` (the API), ``/oauth/`` (authorize) and ``/_sim`` (admin)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlencode

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from pinterest_simulator.admin import handle_admin
from pinterest_simulator.faults import GARBLED, FaultRule
from pinterest_simulator.oauth import insufficient_scope
from pinterest_simulator.report_files import DOWNLOAD_PREFIX as REPORT_DOWNLOAD_PREFIX
from pinterest_simulator.report_files import download as report_download
from pinterest_simulator.requestlog import RequestRecord
from pinterest_simulator.routes import Context, DownloadHandler, Handler, download_handler, json_response, load_handlers
from pinterest_simulator.spec import API_PREFIX, ApiError, Operation
from pinterest_simulator.state import SimulatorState, load_spec


@cache
def checked_handlers() -> Mapping[str, Handler]:
    """Every handler (`routes.load_handlers`), checked once per process against the bundled spec."""
    handlers = load_handlers()
    unknown = set(handlers) - set(load_spec().operations)
    if unknown:
        raise ValueError(f"handlers for operations the spec does not have: {sorted(unknown)}")
    return handlers


def _is_sync_analytics(operation_id: str) -> bool:
    """`ads/analytics`, `ad_targeting_analytics/get`, ... (not the report job's `analytics/get_report`)."""
    return operation_id.endswith(("/analytics", "_analytics/get"))


def _answer(result: Any) -> Response:
    """A handler's result as a response: a Response, a (status, body) pair, or a 200 body."""
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        status, body = result
        return json_response(body, status)
    return json_response(result)


class _DroppedConnection(ConnectionError):
    """Raised after closing the socket on purpose; werkzeug treats it as a client disconnect."""


def _broken_body(rule: FaultRule, response: Response, environ: dict[str, Any]) -> Response:
    """A successful answer with its body broken by a body fault (faults.py): reset mid-way, cut short, or garbled."""
    response.direct_passthrough = False  # a streamed report file is read whole here
    body = response.get_data()
    kept = body[: rule.strike_at(len(body))]
    headers = [(name, value) for name, value in response.headers.items() if name.lower() != "content-length"]
    if rule.kind == "truncate":
        return Response(kept, response.status_code, headers)
    if rule.kind == "malformed":
        return Response(kept + GARBLED, response.status_code, headers)
    sock: socket.socket | None = environ.get("werkzeug.socket")

    def reset_after_the_head() -> Any:
        yield kept
        # werkzeug has written the head of the body; closing with a zero linger resets the connection (RST)
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        raise _DroppedConnection("fault injection: connection reset in the middle of the body")

    # the whole body's length is announced: the client knows the body broke off
    return Response(reset_after_the_head(), response.status_code, [*headers, ("Content-Length", str(len(body)))])


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log."""


class Simulator(SimulatorState):
    """A Pinterest API v5 simulator with deterministic data, OAuth, validation and fault injection.

    Use as a context manager (``with Simulator() as sim:``) or call :meth:`start`/:meth:`stop`. ``switches``
    (a mapping name -> value, or a `Switches`) picks the readings of what the API description leaves open
    (``switches.py``); ``sim.switches`` changes them at run time. ``today`` (a date or ``YYYY-MM-DD``) pins the
    simulator's date (clock.py); without it, ``PINTEREST_SIMULATOR_TODAY`` does, else the machine's UTC date.
    ``scopes`` are what a token gets when none are named (the fixed access token, `connector_config`'s refresh
    token, the ``issue_*`` methods, the authorize page without ``scope``): default `oauth.READ_SCOPES`, the
    connector's default; `oauth.ALL_READ_SCOPES` adds ``billing:read`` and ``biz_access:read``.
    """

    _server: BaseWSGIServer | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Simulator:
        """Bind and serve in a background thread."""
        if self._server is not None:
            return self
        self._server = self._bind()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="pinterest-simulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind and serve in the calling thread (CLI)."""
        self._server = self._bind()
        self._server.serve_forever()

    def _bind(self) -> BaseWSGIServer:
        checked_handlers()
        server = make_server(self.host, self.port, self.wsgi_app, threaded=True, request_handler=_QuietHandler)
        self.port = server.server_port
        return server

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- WSGI ----------------------------------------------------------------------------------
    def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI entry point."""
        request = Request(environ)
        path = request.path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            response = self._api(request, environ)
        elif path.startswith(REPORT_DOWNLOAD_PREFIX):
            response = self._download(request, environ, report_download)
        elif (serve := download_handler(path)) is not None:
            response = self._download(request, environ, serve)
        elif path.startswith("/_sim/"):
            response = handle_admin(self, request)
        elif path in ("/oauth", "/oauth/"):
            response = self._authorize(request)
        else:
            response = json_response({"code": 404, "message": f"Path '{path}' not found."}, 404)
        return response(environ, start_response)

    def _api(self, request: Request, environ: dict[str, Any]) -> Response:
        method = request.method
        path = request.path
        sub_path = path[len(API_PREFIX) :] or "/"
        query = {k: request.args.getlist(k) for k in request.args}
        op_id: str | None = None
        operation: Operation | None = None
        path_values: dict[str, str] = {}
        error: ApiError | None = None
        try:
            operation, path_values = self.spec.match(method, sub_path)
        except ApiError as exc:
            error = exc
        else:
            op_id = operation.operation_id
        faulty = self._whole_request_fault(method, path, op_id, query, environ)
        if faulty is not None:
            return faulty
        try:
            if operation is None:
                assert error is not None
                raise error
            response = self._dispatch(request, operation, path_values, query)
        except ApiError as exc:
            response = json_response(exc.body(), exc.status, exc.headers)
        response, fault = self._body_fault(method, path, op_id, response, environ)
        self.requests.append(RequestRecord(method, path, op_id, query, response.status_code, time.time(), fault))
        return response

    def _download(self, request: Request, environ: dict[str, Any], serve: DownloadHandler) -> Response:
        """A file's download (a report's: report_files.py; others: `routes.DOWNLOADS`), open to the same faults as the
        API (matched by path)."""
        query = {k: request.args.getlist(k) for k in request.args}
        faulty = self._whole_request_fault(request.method, request.path, None, query, environ, logged=False)
        if faulty is not None:
            return faulty
        response, _ = self._body_fault(request.method, request.path, None, serve(self, request), environ)
        return response

    def _whole_request_fault(
        self,
        method: str,
        path: str,
        op_id: str | None,
        query: dict[str, list[str]],
        environ: dict[str, Any],
        logged: bool = True,
    ) -> Response | None:
        """Apply the faults that replace the answer (latency and token expiry first): the fault's answer, or
        None to answer normally; a dropped connection raises."""
        decision = self.faults.decide(method, path, op_id)
        if decision.latency_s:
            time.sleep(decision.latency_s)
        if decision.expire_tokens:
            self.oauth.expire_access_tokens()
        # the request log's times are the machine's wall-clock seconds: they measure when requests came (pacing,
        # rate limits), not a date, so they stay off the simulator's clock (clock.py)
        if decision.drop:
            if logged:
                self.requests.append(RequestRecord(method, path, op_id, query, 0, time.time(), "drop"))
            sock: socket.socket | None = environ.get("werkzeug.socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            raise _DroppedConnection("fault injection: connection dropped")
        if decision.status_rule is not None:
            rule = decision.status_rule
            status, body, headers = rule.response(self.switches.throttle)
            if logged:
                self.requests.append(
                    RequestRecord(method, path, op_id, query, status, time.time(), f"{rule.kind}:{status}")
                )
            return json_response(body, status, headers)
        return None

    def _body_fault(
        self, method: str, path: str, op_id: str | None, response: Response, environ: dict[str, Any]
    ) -> tuple[Response, str | None]:
        """A successful answer with its body broken, if a body fault fires for it; and the fault's name."""
        if not 200 <= response.status_code < 300:
            return response, None
        rule = self.faults.body_fault(method, path, op_id)
        if rule is None:
            return response, None
        return _broken_body(rule, response, environ), rule.kind

    def _dispatch(
        self, request: Request, operation: Operation, path_values: dict[str, str], query: dict[str, list[str]]
    ) -> Response:
        scopes: frozenset[str] = frozenset()
        if operation.auth == "bearer":
            scopes = self.oauth.bearer_scopes(request.headers.get("Authorization"))
            if operation.scope_alternatives and not any(alt <= scopes for alt in operation.scope_alternatives):
                raise insufficient_scope()
        params = operation.validate(path_values, query, strict=self.strict_query)
        handler = checked_handlers().get(operation.operation_id)
        if handler is None:
            raise ApiError(
                501, 501, f"Operation '{operation.operation_id}' is valid but not implemented by the simulator."
            )
        context = Context(self, request, operation, params, scopes)
        if self.cache.enabled and _is_sync_analytics(operation.operation_id):
            key = (
                request.path,
                tuple(sorted((name, tuple(values)) for name, values in query.items())),
                self.switches.key(),
            )
            body = self.cache.get(key, self.dataset.restatements, self.dataset.today())
            if not isinstance(body, bytes):
                answer = _answer(handler(context))
                if answer.status_code != 200:
                    return answer  # errors are not kept
                body = answer.get_data()
                self.cache.put(key, self.dataset.restatements, self.dataset.today(), body)
            return Response(body, mimetype="application/json")
        return _answer(handler(context))

    def _authorize(self, request: Request) -> Response:
        """The simulated ``https://www.pinterest.com/oauth/``: redirect back with a code (the user always consents)."""
        args = request.args
        if args.get("client_id") != self.client_id:
            return json_response({"code": 1, "message": "Invalid client_id."}, 400)
        redirect_uri = args.get("redirect_uri")
        if not redirect_uri:
            return json_response({"code": 1, "message": "Missing required parameter 'redirect_uri'."}, 400)
        if args.get("response_type", "code") != "code":
            return json_response({"code": 1, "message": "Parameter 'response_type' must be 'code'."}, 400)
        raw_scope = args.get("scope") or ",".join(sorted(self.oauth.default_scopes))
        scopes = [s for s in raw_scope.replace(" ", ",").split(",") if s]
        code = self.issue_authorization_code(scopes, redirect_uri)
        params = {"code": code}
        if "state" in args:
            params["state"] = args["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return Response(status=302, headers={"Location": f"{redirect_uri}{separator}{urlencode(params)}"})
