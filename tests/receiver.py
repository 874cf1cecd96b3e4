"""A real HTTP receiver on loopback for webhook tests: records every request, answers as scripted."""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    path: str
    client_port: int = 0  # which connection it came on


@dataclass
class Receiver:
    """Answers each request with the next scripted (status, headers), then with `default`."""

    port: int = 0
    default: int = 200
    delay: float = 0.0
    script: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    max_concurrent_same_id: int = 0
    max_concurrent: int = 0  # requests being answered at once, at most
    keep_alive: bool = False  # HTTP/1.1 with persistent connections (else each answer closes its connection)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if receiver.keep_alive else "HTTP/1.0"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request (a killed worker): nothing arrived
                    self.close_connection = True
                    return
                message_id = self.headers.get("webhook-id", "")
                with receiver._lock:
                    receiver.in_flight[message_id] = receiver.in_flight.get(message_id, 0) + 1
                    receiver.max_concurrent_same_id = max(
                        receiver.max_concurrent_same_id, receiver.in_flight[message_id]
                    )
                    receiver.max_concurrent = max(receiver.max_concurrent, sum(receiver.in_flight.values()))
                    status, headers = receiver.script.popleft() if receiver.script else (receiver.default, {})
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    receiver.received.append(
                        Received(
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            time.time(),
                            self.path,
                            self.client_address[1],
                        )
                    )
                    receiver.in_flight[message_id] -= 1
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/cplan"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@dataclass
class RawReceiver:
    """A loopback HTTP server on a raw socket for receivers that misbehave: it reads each request, then
    `answer(write, stop)` writes whatever bytes it likes. Records each request's headers, how many bytes
    it wrote, and whether the client hung up on it."""

    answer: Callable[[Callable[[bytes], None], threading.Event], None]
    requests: list[dict[str, str]] = field(default_factory=list)
    sent: int = 0
    hung_up: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _listener: socket.socket | None = None

    def start(self) -> RawReceiver:
        self._listener = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._listener is not None
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/hooks/cplan"

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        def write(data: bytes) -> None:
            conn.sendall(data)
            self.sent += len(data)

        with conn:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                more = conn.recv(65536)
                if not more:
                    return
                data += more
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")[1:]
            headers = {
                name.strip().lower(): value.strip() for name, _, value in (x.partition(":") for x in lines)
            }
            while len(body) < int(headers.get("content-length", "0")):
                body += conn.recv(65536)
            self.requests.append(headers)
            try:
                self.answer(write, self._stop)
            except TimeoutError:  # the client stopped reading but stayed connected
                pass
            except OSError:  # the client closed the connection
                self.hung_up.set()

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
