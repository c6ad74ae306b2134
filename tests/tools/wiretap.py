"""A recording TCP relay: what did the client really send to the server?

    with WireTap("127.0.0.1", dovecot_port) as tap:
        account = replace(account, port=tap.port)
        ...                              # talk to the server through the tap
    tap.client_bytes()                   # everything the client sent, in order
    tap.commands()                       # the IMAP commands, e.g. ["CAPABILITY", "LOGIN", ...]

The relay forwards bytes unchanged in both directions (one thread per connection, ``select``
on both sockets). Tests use it to prove that inboxwatch never issues a writing IMAP command
and never sends a password before TLS is up.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import threading
from types import TracebackType

_TAGGED = re.compile(rb"^[A-Za-z0-9.]+ ((?:UID )?[A-Za-z]+)", re.MULTILINE)


class WireTap:
    """Relays 127.0.0.1:<port> to the target and records the client's bytes."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._recorded: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> WireTap:
        self._start(self._accept)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(2)

    def client_bytes(self) -> bytes:
        with self._lock:
            return b"".join(self._recorded)

    def commands(self) -> list[str]:
        """The command names of every tagged client line ("UID FETCH", "EXAMINE", ...)."""
        return [m.decode().upper() for m in _TAGGED.findall(self.client_bytes())]

    def _start(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _accept(self) -> None:
        self._listener.settimeout(0.05)
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            server = socket.create_connection(self.target, timeout=5)
            server.settimeout(None)
            self._start(self._relay, client, server)

    def _relay(self, client: socket.socket, server: socket.socket) -> None:
        try:
            while not self._stop.is_set():
                readable, _w, _x = select.select([client, server], [], [], 0.05)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        with self._lock:
                            self._recorded.append(data)
                        server.sendall(data)
                    else:
                        client.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.close()
