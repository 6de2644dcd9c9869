"""A tiny scripted HTTP server on a real 127.0.0.1 socket, for retry/timeout/auth tests.

Each test queues replies per ``(METHOD, path)``; a request pops the next reply (the last one
repeats). A reply can be slow, never come (``hold``: the connection stays open until the server
stops, so the client's timeout is what ends the request, however fast the machine), drop the
connection without answering, or send any status, headers and envelope. The OAuth token
endpoint is built in: it issues ``tok-1``, ``tok-2``, ... and protected paths answer 401 to any
token that was revoked with :meth:`FaultServer.revoke_tokens`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Upper bound of any scripted delay or hold: a test that forgets one must not hang the suite.
MAX_DELAY = 5.0
TOKEN_PATH = "/v3/oauth/token/generate"


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"data": True, "errors": None, "warnings": None})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (a slow server)."""
    hold: bool = False
    """Answer only when the server stops: the client sees no response until its timeout."""
    drop: bool = False
    """Close the connection without sending anything (a connection error for the client)."""


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


def envelope(data: Any, *, errors: Any = None, warnings: Any = None) -> dict[str, Any]:
    return {"data": data, "errors": errors, "warnings": warnings}


class FaultServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[Seen] = []
        self.token_ttl = 300
        self._issued = 0
        self._revoked: set[str] = set()
        self.check_tokens = False
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval keeps shutdown (once per test) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # releases held replies
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def script(self, method: str, path: str, *replies: Reply) -> None:
        with self._lock:
            self._scripts[(method, path)] = list(replies)

    def revoke_tokens(self) -> None:
        """Make every token issued so far answer 401 (as if the server restarted)."""
        with self._lock:
            self._revoked.update(f"tok-{n}" for n in range(1, self._issued + 1))

    def seen(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and (path is None or r.path == path)
            ]

    def _next_reply(self, method: str, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            if method == "POST" and path == TOKEN_PATH and (method, path) not in self._scripts:
                self._issued += 1
                return Reply(
                    body=envelope(
                        {"accessToken": f"tok-{self._issued}", "ttlSeconds": self.token_ttl}
                    )
                )
            if self.check_tokens and path != TOKEN_PATH:
                token = headers.get("x-cap-api-oauth-token")
                if token is None or token in self._revoked:
                    return Reply(
                        status=401, body=envelope(None, errors=[{"code": 0, "message": "bad"}])
                    )
            replies = self._scripts.get((method, path))
            if not replies:
                return Reply()
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                with server._lock:
                    server.requests.append(Seen(self.command, path, query, headers, body))
                reply = server._next_reply(self.command, path, headers)
                if reply.hold:
                    server._stopping.wait(MAX_DELAY)
                elif reply.delay:
                    time.sleep(min(reply.delay, MAX_DELAY))
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    if "X-Cap-Requestid" not in reply.headers:
                        self.send_header("X-Cap-Requestid", f"req-{len(server.requests)}")
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up (a timeout test); nothing left to do.
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        return Handler


@contextmanager
def running_fault_server() -> Iterator[FaultServer]:
    server = FaultServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
