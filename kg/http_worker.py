"""The gunicorn worker of ``kg serve``: gthread, with requests read off the threads.

gunicorn's gthread worker hands a connection to one of its few threads as soon as the
first byte arrives, and the thread then blocks until the whole request head is in: a
client that sends its headers a byte at a time holds a thread for as long as it likes,
and four such clients stalled the server. Here the head is read by the worker's event
loop, a piece whenever the socket has one, and so is a body announced by a
``Content-Length`` of at most ``BODY_LIMIT``; the connection goes to a thread only once
they are in (or too long, or the client has gone: the parser then answers or drops it
at once). A request not in within ``header_timeout`` seconds (``KG_HEADER_TIMEOUT``) is
dropped. Slow clients so cost a socket and a buffer, never a thread; the worker takes at
most ``worker_connections`` of them. (A bigger or chunked body is read by the thread.)

This subclasses gunicorn's ``ThreadWorker`` and uses its connection hooks
(``enqueue_req``, ``murder_pending``, the poller, ``TConn``, the parser's ``unreader``),
which is why gunicorn is pinned exactly; ``tests/test_server.py`` holds the behaviour.
"""

from __future__ import annotations

import re
import selectors
import socket
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from .settings import load_settings

END_OF_HEAD = b"\r\n\r\n"
HEAD_LIMIT = 64 * 1024  # more than gunicorn's own limits allow: its parser says 400
BODY_LIMIT = 1024 * 1024  # bodies up to this size are read before a thread is taken
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d{1,12})[ \t]*\r\n", re.IGNORECASE)
# a client that asks whether to send its body waits for gunicorn's "100 Continue"
_EXPECT_CONTINUE = re.compile(rb"\r\nexpect:[ \t]*100-continue", re.IGNORECASE)


class HeadFirstWorker(ThreadWorker):
    """gthread, with each request's head read by the event loop before a thread runs it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = float(load_settings()["header_timeout"])
        self.reading_heads: dict[Any, tuple[float, bytearray]] = {}  # conn -> deadline, bytes

    def enqueue_req(self, conn: Any) -> None:
        """A connection with a request to read: to a thread if its head is buffered,
        else to the event loop until it is."""
        if conn.parser is not None and conn.parser.unreader.buf.getvalue():
            super().enqueue_req(conn)  # read ahead already (pipelined, or a drained body)
            return
        conn.sock.setblocking(False)
        self.reading_heads[conn] = (time.monotonic() + self.header_timeout, bytearray())
        self.poller.register(conn.sock, selectors.EVENT_READ, lambda _sock: self._read(conn))

    def _read(self, conn: Any) -> None:
        _deadline, head = self.reading_heads[conn]
        try:
            data = conn.sock.recv(16 * 1024)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        head += data
        if data and not _complete(head):
            return
        # complete, too long, or closed by the client: the parser takes it from here
        self.poller.unregister(conn.sock)
        del self.reading_heads[conn]
        conn.sock.setblocking(True)
        conn.init()
        conn.parser.unreader.unread(bytes(head))
        conn.data_ready = True
        super().enqueue_req(conn)

    def murder_pending(self) -> None:
        """Also drop connections whose head did not arrive within ``header_timeout``."""
        super().murder_pending()
        now = time.monotonic()
        for conn, (deadline, _head) in list(self.reading_heads.items()):
            if deadline <= now:
                del self.reading_heads[conn]
                try:
                    self.poller.unregister(conn.sock)
                except (KeyError, ValueError, OSError):
                    pass
                self.nr_conns -= 1
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()


def _complete(received: bytearray) -> bool:
    """Whether a request's bytes so far are enough to hand it to a thread: its head and
    its body (when announced with a length of at most ``BODY_LIMIT``), or too many."""
    end = received.find(END_OF_HEAD)
    if end < 0:
        return len(received) >= HEAD_LIMIT
    length = _CONTENT_LENGTH.search(received, 0, end + 2)
    if (
        length is None
        or int(length.group(1)) > BODY_LIMIT
        or _EXPECT_CONTINUE.search(received, 0, end + 2)
    ):
        return True
    return len(received) >= end + len(END_OF_HEAD) + int(length.group(1))
