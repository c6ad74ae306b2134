"""Fault switches for a real Dovecot: stall it, restart it, give it extra configuration.

These act on a :class:`tests.dovecot.DovecotServer` the test started for itself (never on
the session-wide one that other tests share), except :func:`stalled`, which always resumes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.dovecot import DOVECOT, DovecotServer, _wait_for_greeting

# Server-side evidence of any change to a mailbox (Dovecot's mail_log plugin).
MAIL_LOG_CONF = """
mail_plugins = $mail_plugins mail_log notify
plugin {
  mail_log_events = delete undelete expunge copy mailbox_create mailbox_delete \
mailbox_rename flag_change save
  mail_log_fields = uid box msgid flags
}
"""


def process_tree(root_pid: int) -> list[int]:
    """*root_pid* and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


@contextmanager
def stalled(server: DovecotServer) -> Iterator[int]:
    """SIGSTOP the Dovecot master and every child (imap, login, auth...); SIGCONT on exit.

    Yields how many processes were stopped. Connected clients see a silent server."""
    pids = process_tree(server.process.pid)
    for pid in pids:
        _signal(pid, signal.SIGSTOP)
    try:
        yield len(pids)
    finally:
        for pid in reversed(pids):
            _signal(pid, signal.SIGCONT)


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _signal(pid: int, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signum)


def restart(server: DovecotServer, down_seconds: float = 0.0) -> None:
    """Stop the server, wait, start it again from the same config on the same port.

    SIGTERM to the master stops the service, but Dovecot lets running imap processes finish
    their sessions; a restart after a crash or an upgrade does not, so they are killed too."""
    old = process_tree(server.process.pid)
    for pid in old[1:]:
        if _comm(pid) == "imap":  # the sessions die first, as in a crash
            _signal(pid, signal.SIGKILL)
    server.process.terminate()
    server.process.wait(10)
    for pid in old[1:]:
        _signal(pid, signal.SIGKILL)
    if server.process.stderr is not None:
        server.process.stderr.close()
    time.sleep(down_seconds)
    server.process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(server.config_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait_for_greeting(server.port, time.monotonic() + 10)


def start_with(extra_conf: str, *, tls: bool = False) -> DovecotServer:
    """A private Dovecot with *extra_conf* appended to the standard test config (applied
    with SIGHUP, Dovecot's reload)."""
    server = DovecotServer.start(tls=tls)
    with server.config_path.open("a") as conf:
        conf.write(extra_conf)
    os.kill(server.process.pid, signal.SIGHUP)
    time.sleep(0.3)
    _wait_for_greeting(server.port, time.monotonic() + 10)
    return server


# Dovecot delays every login from an IP after a failed one (up to 15 s, "auth penalty"):
# a server for wrong-password tests, so neither they nor the tests after them are slowed.
NO_AUTH_PENALTY_CONF = """
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
"""


def log_text(server: DovecotServer) -> str:
    path = server.root / "dovecot.log"
    return path.read_text(errors="replace") if path.exists() else ""
