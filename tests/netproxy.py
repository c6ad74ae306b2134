"""A loopback TCP proxy the tests control: faults between client and server, and a record
of what the client really sent.

    proxy = NetProxy("127.0.0.1", server_port).start()
    proxy.cut_after(40_000)        # the next connection dies after 40 kB from the server
    proxy.clear_cuts()             # forget the cuts not used yet
    proxy.stall()                  # stop forwarding (the client sees a silent server)
    proxy.resume()
    proxy.drop_all()               # close every live connection now
    proxy.stop()

    with NetProxy("127.0.0.1", server_port) as tap:   # started and stopped
        ...                              # talk to the server through tap.port
    tap.client_bytes()                   # everything the client sent, in order
    tap.commands()                       # the IMAP commands, e.g. ["CAPABILITY", "LOGIN", ...]

One thread accepts; each connection gets one thread that forwards both directions with
``select`` so a stall or a cut takes effect within ~50 ms. Tests use the record to prove that
inboxwatch never issues a writing IMAP command and never sends a password before TLS is up.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import threading
from dataclasses import dataclass, field
from types import TracebackType

_POLL_S = 0.05
_CHUNK = 16384
_TAGGED = re.compile(rb"^[A-Za-z0-9.]+ ((?:UID )?[A-Za-z]+)", re.MULTILINE)


@dataclass
class _Link:
    client: socket.socket
    server: socket.socket
    cut_after: int | None
    from_server: int = 0
    closed: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        self.closed.set()
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class NetProxy:
    """Forwards 127.0.0.1:<port> to (target_host, target_port), with faults on demand."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._cuts: list[int] = []
        self._stalled = threading.Event()
        self._stopping = threading.Event()
        self._links: list[_Link] = []
        self._threads: list[threading.Thread] = []
        self._recorded: list[bytes] = []
        self.connections = 0
        self.cuts_done = 0

    def start(self) -> NetProxy:
        self._spawn(self._accept_loop)
        return self

    def __enter__(self) -> NetProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def client_bytes(self) -> bytes:
        """Everything clients sent through the proxy, in order."""
        with self._lock:
            return b"".join(self._recorded)

    def commands(self) -> list[str]:
        """The command names of every tagged client line ("UID FETCH", "EXAMINE", ...)."""
        return [m.decode().upper() for m in _TAGGED.findall(self.client_bytes())]

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads[:1]:  # the accept loop
            thread.join(2)
        self._listener.close()
        self.drop_all()
        for thread in self._threads[1:]:
            thread.join(2)

    def cut_after(self, server_bytes: int, times: int = 1) -> None:
        """The next *times* new connections are cut after *server_bytes* from the server."""
        with self._lock:
            self._cuts.extend([server_bytes] * times)

    def clear_cuts(self) -> None:
        with self._lock:
            self._cuts.clear()

    def stall(self) -> None:
        """Stop forwarding in both directions; connections stay open."""
        self._stalled.set()

    def resume(self) -> None:
        self._stalled.clear()

    def drop_all(self) -> None:
        """Close every live connection at once (e.g. during IDLE)."""
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            link.close()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _accept_loop(self) -> None:
        self._listener.settimeout(_POLL_S)  # so stop() is noticed promptly
        while not self._stopping.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                cut = self._cuts.pop(0) if self._cuts else None
                link = _Link(client, server, cut)
                self._links.append(link)
                self.connections += 1
            self._spawn(self._forward, link)

    def _forward(self, link: _Link) -> None:
        try:
            while not link.closed.is_set() and not self._stopping.is_set():
                if self._stalled.is_set():
                    link.closed.wait(_POLL_S)
                    continue
                readable, _w, _x = select.select([link.client, link.server], [], [], _POLL_S)
                for sock in readable:
                    if not self._pass_on(link, sock):
                        return
        except (OSError, ValueError):
            pass
        finally:
            link.close()

    def _pass_on(self, link: _Link, sock: socket.socket) -> bool:
        data = sock.recv(_CHUNK)
        if not data:
            return False
        if sock is link.client:
            with self._lock:
                self._recorded.append(data)
            link.server.sendall(data)
            return True
        if link.cut_after is not None:
            room = link.cut_after - link.from_server
            if room <= len(data):
                link.client.sendall(data[: max(room, 0)])
                self.cuts_done += 1
                return False
        link.from_server += len(data)
        link.client.sendall(data)
        return True
