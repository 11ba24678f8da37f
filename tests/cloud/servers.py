"""Local servers for the cloud store tests: moto's S3 server, Azurite, a
static HTTP file server with Range support, and a fault-injecting proxy.

Every server listens on 127.0.0.1 on a free port, is waited for with a
timeout, and is stopped by the fixture that started it.
"""

from __future__ import annotations

import http.client
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Moto:
    """moto's S3 server in a child process."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.log = open(log_dir / f"moto-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_port(self.port, self.proc)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

    def close(self):
        stop(self.proc)
        self.log.close()


class Azurite:
    """Azurite's blob service (npm package installed under build/azurite)."""

    ACCOUNT = "devstoreaccount1"
    KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    def __init__(self, log_dir: Path):
        binary = REPO / "build" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
        if not binary.exists():
            raise FileNotFoundError(f"{binary} (run tests/cloud/run.sh, which installs it)")
        self.port = free_port()
        self.dir = log_dir / f"azurite-{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = open(log_dir / f"azurite-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [
                str(binary),
                "--blobHost", "127.0.0.1",
                "--blobPort", str(self.port),
                "--location", str(self.dir),
                "--silent",
                "--skipApiVersionCheck",
                "--loose",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_port(self.port, self.proc)
        self.endpoint = f"http://127.0.0.1:{self.port}/{self.ACCOUNT}"

    def close(self):
        stop(self.proc)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with single `Range: bytes=` requests (as object_store's
    HTTP store sends for ranged reads)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_head(self):
        rng = self.headers.get("Range")
        path = self.translate_path(self.path)
        if not rng or not os.path.isfile(path):
            return super().send_head()
        size = os.path.getsize(path)
        spec = rng.split("=", 1)[1]
        a, b = spec.split("-", 1)
        if a == "":
            start, end = max(0, size - int(b)), size - 1
        else:
            start, end = int(a), min(size - 1, int(b) if b else size - 1)
        if start >= size:
            self.send_error(416)
            return None
        f = open(path, "rb")
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Last-Modified", self.date_time_string(os.path.getmtime(path)))
        self.end_headers()
        self._remaining = end - start + 1
        return f

    def copyfile(self, source, outputfile):
        n = getattr(self, "_remaining", None)
        if n is None:
            return super().copyfile(source, outputfile)
        outputfile.write(source.read(n))
        self._remaining = None


class StaticHttp:
    """A threaded static file server over `root`."""

    def __init__(self, root: Path):
        handler = lambda *a, **k: _RangeHandler(*a, directory=str(root), **k)  # noqa: E731
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FaultProxy:
    """An HTTP proxy in front of `upstream` (host:port) that can delay every
    request, answer 500, hang past the client's timeout, or cut a request's
    connection halfway through its body (the server "stopped mid-write").
    It counts requests and the most that were in flight at once.

    Rules are (method, path substring, action, remaining count); the first
    rule that matches a request and still has a count applies.
    """

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.delay = 0.0
        self.rules: list[list] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests: list[tuple[str, str]] = []
        self.local = threading.local()
        self.connections: list[socket.socket] = []
        self.dead = False
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                with proxy.lock:
                    proxy.connections.append(self.connection)

            def _any(self):
                proxy._handle(self)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add_rule(self, method: str, path_part: str, action: str, count: int = 1):
        with self.lock:
            self.rules.append([method, path_part, action, count])

    def reset(self):
        with self.lock:
            self.rules.clear()
            self.requests.clear()
            self.delay = 0.0
            self.max_in_flight = 0

    def _rule_for(self, method, path):
        with self.lock:
            for r in self.rules:
                if r[3] > 0 and r[0] in (method, "*") and r[1] in path:
                    r[3] -= 1
                    return r[2]
        return None

    def _upstream(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
            self.local.conn = c
        return c

    def _handle(self, h):
        if self.dead:
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        h._left = False
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.requests.append((h.command, h.path))
        try:
            length = int(h.headers.get("Content-Length") or 0)
            action = self._rule_for(h.command, h.path)
            if action == "cut":
                # Read half the body, then drop the connection: no response.
                h.rfile.read(length // 2)
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            body = h.rfile.read(length) if length else None
            if self.delay:
                time.sleep(self.delay)
            if action == "hang":
                time.sleep(5)
                h.close_connection = True
                return
            if action == "500":
                msg = b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"
                h.send_response(500)
                h.send_header("Content-Length", str(len(msg)))
                h.end_headers()
                h.wfile.write(msg)
                return
            headers = {k: v for k, v in h.headers.items() if k.lower() not in ("connection",)}
            for attempt in (0, 1):
                c = self._upstream()
                try:
                    c.request(h.command, h.path, body=body, headers=headers)
                    r = c.getresponse()
                    data = r.read()
                    break
                except (http.client.HTTPException, OSError):
                    c.close()
                    self.local.conn = None
                    if attempt:
                        raise
            # Done being served: count it out before the client can see
            # the response (and send its next request).
            self._leave(h)
            h.send_response(r.status, r.reason)
            for k, v in r.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                    h.send_header(k, v)
            if h.command != "HEAD":
                h.send_header("Content-Length", str(len(data)))
            else:
                cl = r.getheader("Content-Length")
                if cl is not None:
                    h.send_header("Content-Length", cl)
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(data)
        finally:
            self._leave(h)

    def _leave(self, h):
        if not getattr(h, "_left", False):
            h._left = True
            with self.lock:
                self.in_flight -= 1

    def kill(self):
        """The server stops: no new connections, open ones are cut."""
        self.dead = True
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            for c in self.connections:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        if not self.dead:
            self.kill()
