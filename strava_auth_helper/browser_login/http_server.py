"""The loopback HTTP server under the catcher and the simulation: 127.0.0.1 only, flood-proof."""

from __future__ import annotations

import contextlib
import errno
import logging
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
# accept() fails this way when the process (or system) is out of descriptors or memory.
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


@dataclass
class _Connection:
    sock: Any  # the socket (a TLS one once wrapped)
    accepted: float  # time.monotonic() when accepted
    head_done: bool = False
    dropped: bool = False


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1 that never shares its port and stops at once.

    At most :attr:`max_connections` connections are open: past that, and whenever accept()
    runs out of descriptors, the oldest one still sending its request head is dropped. A
    request head must arrive whole within :attr:`head_deadline` seconds, however slowly its
    bytes trickle in. When accept() fails with nothing to drop, accepting pauses for
    :attr:`accept_pause` seconds instead of spinning.
    """

    # Never share the port with another program: no SO_REUSEADDR (set on this class only),
    # and on Windows SO_EXCLUSIVEADDRUSE (see server_bind).
    allow_reuse_address = False
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # a burst of connections waits in the kernel, not refused
    max_connections = 32
    head_deadline = 5.0
    accept_pause = 0.1

    def __init__(
        self,
        port: int,
        handler: type[BaseHTTPRequestHandler],
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__((HOST, port), handler)
        self.ssl_context = ssl_context
        # serve_forever() polls for shutdown; a wake-up socket lets stop() end the loop at once.
        self._wake_up, self._wake_up_sender = socket.socketpair()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._connections: dict[int, _Connection] = {}
        self._lock = threading.Lock()
        self._paused_until: float | None = None

    def server_bind(self) -> None:
        """Bind 127.0.0.1 for this server alone (Windows too), without a DNS lookup."""
        # Windows lets another program bind a port already bound (with SO_REUSEADDR) unless
        # the first one asked for it alone; elsewhere leaving SO_REUSEADDR off is enough.
        if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        # HTTPServer.server_bind calls getfqdn(), a DNS lookup we neither need nor want.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def start(self) -> None:
        """Serve on a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self._serve, name="loopback-http", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_up, selectors.EVENT_READ)
            while not self._stopping:
                try:
                    ready = selector.select(self._next_timer())
                except (OSError, ValueError):  # the sockets were closed under us by stop()
                    return
                for key, _ in ready:
                    if key.fileobj is self.socket and not self._stopping:
                        self._accept(selector)
                self._drop_overdue()
                self._resume_accepting(selector)

    def _next_timer(self) -> float | None:
        with self._lock:
            deadlines = [
                c.accepted + self.head_deadline
                for c in self._connections.values()
                if not (c.head_done or c.dropped)
            ]
        if self._paused_until is not None:
            deadlines.append(self._paused_until)
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None

    def _accept(self, selector: selectors.BaseSelector) -> None:
        try:
            request, client_address = self.get_request()
        except OSError as exc:
            if exc.errno in _OUT_OF_RESOURCES and not self._drop_oldest():
                self._pause_accepting(selector)
            return
        with self._lock:
            self._connections[request.fileno()] = _Connection(request, time.monotonic())
            crowded = len(self._connections) > self.max_connections
        if crowded:
            self._drop_oldest()
        try:
            self.process_request(request, client_address)  # answered on a thread of its own
        except Exception:
            self.handle_error(request, client_address)
            self.shutdown_request(request)

    def _pause_accepting(self, selector: selectors.BaseSelector) -> None:
        # The listening socket stays readable while accept() fails: stop watching it a while.
        log.debug("out of descriptors with nothing to drop; accepting pauses")
        selector.unregister(self.socket)
        self._paused_until = time.monotonic() + self.accept_pause

    def _resume_accepting(self, selector: selectors.BaseSelector) -> None:
        if self._paused_until is not None and time.monotonic() >= self._paused_until:
            self._paused_until = None
            selector.register(self.socket, selectors.EVENT_READ)

    def _drop_oldest(self) -> bool:
        """Drop the oldest connection still sending its request head; False if none."""
        with self._lock:
            waiting = [c for c in self._connections.values() if not (c.head_done or c.dropped)]
            oldest = min(waiting, key=lambda c: c.accepted, default=None)
        if oldest is None:
            return False
        self._drop(oldest, "too many connections")
        return True

    def _drop_overdue(self) -> None:
        now = time.monotonic()
        with self._lock:
            overdue = [
                c
                for c in self._connections.values()
                if not (c.head_done or c.dropped) and now - c.accepted >= self.head_deadline
            ]
        for connection in overdue:
            self._drop(connection, "request head too slow")

    def _drop(self, connection: _Connection, why: str) -> None:
        # shutdown(), not close(): the handler's thread still owns the descriptor; it sees the
        # end of the stream, finishes, and closes it.
        log.debug("dropped a connection: %s", why)
        connection.dropped = True
        with contextlib.suppress(OSError):  # already gone
            connection.sock.shutdown(socket.SHUT_RDWR)

    def head_received(self, sock: Any) -> None:
        """The handler read a whole request head on ``sock``: no deadline applies any more."""
        with self._lock:
            connection = self._connections.get(sock.fileno())
            if connection is not None:
                connection.head_done = True

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Answer one connection on its own thread (its TLS handshake too)."""
        if self.ssl_context is not None:  # the TLS handshake happens here, on its own thread
            fd = request.fileno()
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except OSError:  # a failed handshake; ssl has closed the socket
                with self._lock:
                    self._connections.pop(fd, None)
                return
            with self._lock:
                if fd in self._connections:
                    self._connections[fd].sock = request
        super().process_request_thread(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection, then close it."""
        with self._lock:
            self._connections.pop(request.fileno(), None)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a connection's failure, with its traceback only under -v."""
        # A client that resets its connection is no news: no traceback unless -v.
        log.debug("error while answering a connection", exc_info=True)

    def stop(self) -> None:
        """Stop serving, release the port (connections being answered are left to finish)."""
        if self._stopping:
            return
        self._stopping = True
        self._wake_up_sender.send(b"\0")
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()
        self.server_close()
        self._wake_up.close()
        self._wake_up_sender.close()


class HeadTrackingHandler(BaseHTTPRequestHandler):
    """Tells the server when the request head is in, and writes every answer.

    The answers of the catcher and the simulated Strava alike (:meth:`send_body`).
    """

    server: LoopbackHTTPServer

    def parse_request(self) -> bool:
        """Parse the request head, then tell the server it is in."""
        ok = super().parse_request()
        self.server.head_received(self.connection)
        return ok

    def send_body(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer ``status`` with ``body``, never cached.

        Its type and length, ``headers``, then the body itself (not for a HEAD request).
        """
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":  # (none for a malformed request line)
            self.wfile.write(body)
