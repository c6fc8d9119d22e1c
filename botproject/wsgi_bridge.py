"""HTTP from uvicorn's event loop to Django's WSGI handler, crossing to a thread once per request.

Why not a2wsgi, which did this before: it runs the WSGI app on a thread that goes back to the
event loop, and waits there, for each part of the response (its start, every chunk, its end)
and for each read of the request body. Those round trips between threads cost more than
Django's own work for a small page (bench/webhook_ingest.py, the bare rows). Here the request
body is read in the loop before the thread starts, and the response is collected on the thread
and sent from the loop when the app is done: one crossing each way. A body too large to hold
(over BUFFERED_BYTES) is still streamed, both ways: the rest of a large upload is read from the
thread through the loop, and a response that grows past the bound (a large file, a streamed
export) is sent in chunks as it is produced, as a2wsgi did for every response.

The environ follows the ASGI specification's WSGI section (PEP 3333 strings, headers joined
with commas), as a2wsgi built it.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import sys
from concurrent.futures import ThreadPoolExecutor

# Request bodies up to this are read before the thread starts; responses up to this are sent
# in one go once the app returns. Larger ones stream in chunks.
BUFFERED_BYTES = 1024 * 1024


class WSGIBridge:
    """An ASGI app for HTTP that runs `wsgi_app` on a pool of `threads` threads."""

    def __init__(self, wsgi_app, threads: int):
        self.wsgi_app = wsgi_app
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"WSGIBridge serves HTTP only, not {scope['type']!r}")
        loop = asyncio.get_running_loop()
        body = await _read_start_of_body(loop, receive)
        response = _Response(loop, send)
        run = contextvars.copy_context().run
        await loop.run_in_executor(
            self.executor, run, self._run_app, build_environ(scope, body), response
        )
        await response.finish()

    def _run_app(self, environ: dict, response: _Response) -> None:
        chunks = self.wsgi_app(environ, response.start_response)
        try:
            for chunk in chunks:
                response.write(chunk)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


async def _read_start_of_body(loop, receive):
    """The request body as a file: whole if it fits BUFFERED_BYTES, else what came so far
    followed by the rest, read on demand from the app's thread."""
    chunks, size, more = [], 0, True
    while more and size <= BUFFERED_BYTES:
        message = await receive()
        if message["type"] == "http.disconnect":
            more = False
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
    start = b"".join(chunks)
    return _StreamedBody(loop, receive, start) if more else io.BytesIO(start)


class _StreamedBody(io.RawIOBase):
    """wsgi.input of a large upload: the buffered start, then chunks fetched through the loop."""

    def __init__(self, loop, receive, start: bytes):
        self._loop, self._receive = loop, receive
        self._buffer = bytearray(start)
        self._more = True

    def readable(self) -> bool:
        return True

    def _fill(self, wanted: int) -> None:
        while self._more and (wanted < 0 or len(self._buffer) < wanted):
            message = asyncio.run_coroutine_threadsafe(self._receive(), self._loop).result()
            if message["type"] == "http.disconnect":
                self._more = False
                break
            self._buffer += message.get("body", b"")
            self._more = message.get("more_body", False)

    def read(self, size: int | None = -1) -> bytes:
        size = -1 if size is None else size
        self._fill(size)
        taken = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        data = bytes(self._buffer[:taken])
        del self._buffer[:taken]
        return data

    def readline(self, size: int | None = -1) -> bytes:
        size = -1 if size is None else size
        while b"\n" not in self._buffer and self._more and (size < 0 or len(self._buffer) < size):
            self._fill(len(self._buffer) + 1)
        end = self._buffer.find(b"\n")
        end = len(self._buffer) if end < 0 else end + 1
        return self.read(end if size < 0 else min(end, size))


class _Response:
    """What the app answers: collected on its thread, sent from the loop."""

    def __init__(self, loop, send):
        self._loop, self._send = loop, send
        self._start: dict | None = None
        self._started = False  # the start has gone to the client: headers can no longer change
        self._chunks: list[bytes] = []
        self._size = 0

    def start_response(self, status: str, headers, exc_info=None):
        if exc_info is not None and self._started:
            raise exc_info[1].with_traceback(exc_info[2])
        self._start = {
            "type": "http.response.start",
            "status": int(status.split(" ", 1)[0]),
            "headers": [
                (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
            ],
        }
        return self.write

    def write(self, chunk: bytes) -> None:
        """On the app's thread: keep the chunk, or send what is kept once it is too much."""
        if chunk:
            self._chunks.append(chunk)
            self._size += len(chunk)
        if self._size > BUFFERED_BYTES:
            asyncio.run_coroutine_threadsafe(self._flush(more=True), self._loop).result()

    async def _flush(self, *, more: bool) -> None:
        if not self._started:
            if self._start is None:
                raise RuntimeError("the WSGI app returned without calling start_response")
            await self._send(self._start)
            self._started = True
        body, self._chunks, self._size = b"".join(self._chunks), [], 0
        if body or not more:
            await self._send({"type": "http.response.body", "body": body, "more_body": more})

    async def finish(self) -> None:
        """In the loop, once the app is done: everything not sent yet, and the end."""
        await self._flush(more=False)


def build_environ(scope, body) -> dict:
    """The WSGI environ of an ASGI HTTP scope (the ASGI spec's WSGI compatibility)."""
    script_name = scope.get("root_path", "").encode("utf-8").decode("latin-1")
    path_info = scope["path"].encode("utf-8").decode("latin-1")
    if script_name and path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server_host, server_port = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server_host,
        "SERVER_PORT": str(server_port or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if client := scope.get("client"):
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = client[0], str(client[1])
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = "HTTP_" + name
        value = raw_value.decode("latin-1")
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ
