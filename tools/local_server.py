"""A directory served on 127.0.0.1 from a thread: the built book, for the browser and the PDF.

tests/book/conftest.py serves _build/html to the browser tests with it, and tools/build_pdf.py
serves the single-page build to the Chromium that prints it. Neither needs the network: the
server binds a free port of the loopback interface only.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    timeout = 30  # a stuck connection cannot hold a server thread for ever

    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(
    directory: Path, lifetime: float | None = None, name: str = "book-server"
) -> Iterator[str]:
    """Serve `directory` on a free port of 127.0.0.1; yield the base URL.

    `lifetime`: seconds after which the server shuts itself down whatever happens (so a test
    that hangs cannot leave it running); None keeps it until the block ends.
    """
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    watchdog = None
    if lifetime is not None:
        watchdog = threading.Timer(lifetime, server.shutdown)
        watchdog.daemon = True
        watchdog.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        if watchdog is not None:
            watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
