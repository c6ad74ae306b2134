"""The README's exit-code table is what the command line does.

The table under "Using it" is parsed; every row must be produced by real runs of the
``inboxwatch`` console entry (a subprocess, as a user or systemd runs it) against a real
Dovecot, a real SMTP server, a silent TCP port and SQLite files, and every exit code the CLI
names must be in the table.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from inboxwatch.app import cli
from inboxwatch.storage.leases import Leases
from inboxwatch.storage.store import Store
from tests.dovecot import DovecotServer
from tests.smtpserver import smtp_server
from tests.tools.service_env import REPO, cli_command, run_cli, small_config
from tests.tools.waits import wait_for

ROW = re.compile(r"^\| (\d+) \| (.+?) \|")


def readme_exit_codes() -> dict[int, str]:
    """Exit code -> meaning, from the README's table."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("| Exit | Meaning | For example |", 1)[1].split("\n\n", 1)[0]
    return {int(m[1]): m[2] for m in map(ROW.match, table.splitlines()) if m}


class SilentServer:
    """A TCP port that accepts connections and never says a word (a wedged IMAP server)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.accepted = threading.Event()
        self.held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.accepted.set()

    def close(self) -> None:
        # close() alone does not wake a thread blocked in accept(); a lingering thread would
        # make later tests' worker pools refuse to fork (workers.fork_is_safe)
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(timeout=5)
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


class Setup:
    """A config file for one scenario, and the database it names (SQLite in tmp_path)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.db_url = f"sqlite:///{tmp_path / 'iw.db'}"
        self.path = tmp_path / "iw.toml"
        self.password = ""

    def write(self, *tables: str) -> Path:
        return small_config(self.path, self.db_url, *tables)

    def account(
        self,
        port: int,
        *,
        username: str = "anna",
        secret: str = "",
        password_command: str | None = None,
    ) -> str:
        source = (
            f'password_command = "{password_command}"\n'
            if password_command
            else 'password_env = "IW_EXIT_TEST_PASSWORD"\n'
        )
        self.password = secret
        return (
            f'[[accounts]]\nname = "work"\nhost = "127.0.0.1"\nport = {port}\n'
            f'security = "none"\nusername = "{username}"\n{source}timeout_seconds = 60\n'
        )

    def smtp(self, port: int) -> str:
        return (
            f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            'from = "inboxwatch <inboxwatch@assist.example>"\ntimeout_seconds = 10\n'
            '[report]\nrecipients = ["anna@assist.example"]\n'
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INBOXWATCH_")}
        env["IW_EXIT_TEST_PASSWORD"] = self.password
        return env

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return run_cli(self.path, *args, env=self.env(), timeout=timeout)


Scenario = Callable[[Setup, pytest.FixtureRequest], subprocess.CompletedProcess[str]]


def ok_check_config(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    setup.write()
    return setup.run("check-config")


def failure_unknown_message(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    setup.write()
    result = setup.run("label", "999", "--tag", "urgent", "--yes")
    assert "no stored message '999'" in result.stderr
    return result


def failure_refused_for_good(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    with smtp_server() as server:
        server.box.refuse_next, server.box.refusal = 1, "550 5.1.1 no such mailbox"
        setup.write(setup.smtp(server.port))
        result = setup.run("report", "--send", "--date", "2026-11-13")
    assert "refused for good and will not be retried" in result.stderr, result.stderr
    assert "not delivered yet" not in result.stdout + result.stderr
    return result


def usage_poll_without_once(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    setup.write()
    return setup.run("poll")


def usage_forget_a_typo(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    setup.write()
    result = setup.run("forget", "Acme", "--yes")
    assert "did you mean 'Acme Kft.'?" in result.stderr, result.stderr
    return result


def config_missing_file(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    return setup.run("status")  # the config file was never written


def config_empty_password_variable(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    setup.write(setup.account(1, secret=""))
    result = setup.run("poll", "--once")
    assert "IW_EXIT_TEST_PASSWORD is not set or empty" in result.stderr, result.stderr
    return result


def config_failing_password_command(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    setup.write(setup.account(1, password_command="false"))
    return setup.run("poll", "--once")


def config_wrong_password(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    quiet: DovecotServer = request.getfixturevalue("quiet_dovecot")
    user = quiet.add_user(f"exitcodes{os.getpid()}", "right")
    setup.write(setup.account(quiet.port, username=user.name, secret="wrong"))
    result = setup.run("poll", "--once")
    assert result.stderr.count("rejected the login") == 1, result.stderr  # printed once
    return result


def tempfail_held_lease(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    silent: SilentServer = request.getfixturevalue("silent_server")
    setup.write(setup.account(silent.port, secret="pw"))
    with (
        Store.open(setup.db_url) as store,
        Leases(store, holder="another-inboxwatch").hold("account:work"),
    ):
        result = setup.run("poll", "--once")
    assert not silent.accepted.is_set()  # refused before connecting
    return result


def tempfail_silent_server(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    silent: SilentServer = request.getfixturevalue("silent_server")
    setup.write(setup.account(silent.port, secret="pw"))
    started = time.monotonic()
    result = setup.run("poll", "--once", "--wait", "4")
    elapsed = time.monotonic() - started
    # 4 s of waiting plus start-up (imports, the model); 6 attempts of 60 s without --wait
    assert elapsed < 15, elapsed
    assert result.stderr.count("gave up after waiting 4 s") == 1, result.stderr
    assert result.stderr.count("inboxwatch: ") == 1, result.stderr  # the error, once
    return result


def tempfail_not_sent_yet(
    setup: Setup, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    with smtp_server() as server:
        server.box.refuse_next = 1  # 451 4.3.0 Try again later
        setup.write(setup.smtp(server.port))
        result = setup.run("report", "--send", "--date", "2026-11-13")
    assert "not delivered yet" in result.stderr and "stays queued" in result.stderr
    return result


def interrupted(setup: Setup, request: pytest.FixtureRequest) -> subprocess.CompletedProcess[str]:
    silent: SilentServer = request.getfixturevalue("silent_server")
    setup.write(setup.account(silent.port, secret="pw"))
    with _sigint_as_in_a_terminal():
        process = subprocess.Popen(
            cli_command(setup.path, "poll", "--once"),
            env={**setup.env(), "PYTHONFAULTHANDLER": "1"},
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert silent.accepted.wait(60), "poll never connected"
    # that the server accepted a connection is not enough: it must be this process's
    wait_for(lambda: _connected_to(process.pid, silent.port), 30, "poll to hold the connection")
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
        _out, err = process.communicate(timeout=30)
        raise AssertionError(f"poll --once did not stop on SIGINT; its stacks:\n{err}") from None
    assert "interrupted" in err
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@contextlib.contextmanager
def _sigint_as_in_a_terminal() -> Iterator[None]:
    """A child started inside gets SIGINT at its default, as from a terminal, even when
    pytest runs with SIGINT ignored (a shell starts background jobs so, and an ignored
    signal is inherited across exec: the child would rightly keep ignoring Ctrl-C)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _connected_to(pid: int, port: int) -> bool:
    """Whether process *pid* has an established TCP connection to 127.0.0.1:*port*."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:  # gone, or a descriptor closed while reading
        return False
    with open("/proc/net/tcp", encoding="ascii") as table:
        for line in list(table)[1:]:
            fields = line.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            ours = f"socket:[{inode}]" in inodes
            if ours and state == "01" and int(remote.split(":")[1], 16) == port:  # ESTABLISHED
                return True
    return False


def closed_pipe(setup: Setup, request: pytest.FixtureRequest) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen(
        cli_command(None, "demo", "--db", str(setup.tmp_path / "d.db")),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()  # like `| head -1`: one line, then close the pipe
    process.stdout.close()
    err = process.stderr.read()
    process.wait(timeout=120)
    assert first.startswith("database: ")
    assert err == "", err  # no BrokenPipeError, no "Exception ignored"
    return subprocess.CompletedProcess(process.args, process.returncode, first, err)


SCENARIOS: dict[int, list[Scenario]] = {
    cli.EXIT_OK: [ok_check_config],
    cli.EXIT_FAILURE: [failure_unknown_message, failure_refused_for_good],
    cli.EXIT_USAGE: [usage_poll_without_once, usage_forget_a_typo],
    cli.EXIT_CONFIG: [
        config_missing_file,
        config_empty_password_variable,
        config_failing_password_command,
        config_wrong_password,
    ],
    cli.EXIT_TEMPFAIL: [tempfail_held_lease, tempfail_silent_server, tempfail_not_sent_yet],
    cli.EXIT_INTERRUPTED: [interrupted],
    cli.EXIT_BROKEN_PIPE: [closed_pipe],
}


def test_the_readme_table_lists_every_exit_code_the_cli_names() -> None:
    named = {
        value
        for name, value in vars(cli).items()
        if name.startswith("EXIT_") and isinstance(value, int)
    }
    assert set(readme_exit_codes()) == named == set(SCENARIOS)


@pytest.mark.parametrize(
    ("code", "scenario"),
    [(code, scenario) for code in readme_exit_codes() for scenario in SCENARIOS.get(code, [])],
    ids=lambda value: value.__name__ if callable(value) else str(value),
)
def test_each_row_of_the_readme_table_is_what_a_real_run_exits_with(
    code: int, scenario: Scenario, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    result = scenario(Setup(tmp_path), request)
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    if code not in (cli.EXIT_OK, cli.EXIT_BROKEN_PIPE):
        # the error is one line on stderr (a warning may come before it)
        assert result.stderr.splitlines()[-1].startswith("inboxwatch: "), result.stderr
