"""Crash consistency: SIGKILL the poller at many points, restart it, lose and duplicate nothing.

A mailbox of a few thousand messages (with identical copies, missing and shared Message-IDs,
and unparseable data) is synced by a real poller *process* (``tests/tools/poller.py``, which
calls :func:`inboxwatch.ingest.sync.sync_account`) that is killed with SIGKILL again and again:

- inside the process, at exact points of the commit protocol: after the K-th message INSERT
  of a batch, just before COMMIT, just after COMMIT;
- from outside, at random times after the poller took its account lease (connecting,
  searching, fetching, parsing or committing — wherever it happens to be);
- from outside, the moment the folder watermark in the database moves (right after a batch
  commit, as a watcher sees it).

Between kills new mail arrives. The killed poller's lease expires by itself (a short TTL
here) and the next poller waits for it. At the end a clean run completes the sync, and the
database must hold exactly the mailbox: the same multiset of (folder, content sha256), the
same Message-IDs, one row per current UID, every raw blob intact, the watermark at the last
UID — and a further run stores nothing. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import email.parser
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select

from inboxwatch.storage.schema import folders, leases, message_raw, messages
from inboxwatch.storage.store import Store
from tests.dovecot import MailUser, make_message
from tests.tools import figures
from tests.tools.poller import Zygote

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "secret"
INBOX_MESSAGES = 2000
SENT_MESSAGES = 150
BATCH = 100
LEASE_SECONDS = 0.3
RUN_TIMEOUT = 120.0

# In-process kill points: (spec, what it hits). Counted per poller run, so each one lands
# in whatever batch that run reaches.
HOOK_KILLS = [
    "mid-batch:1:1",  # the first batch's message rows written, raw bytes not yet
    "before-commit:1",  # a whole batch and its watermark written, COMMIT not reached
    "after-commit:1",  # one batch committed, killed before the next begins
    "mid-batch:2:2",  # the second batch's rows and raw bytes written, watermark not yet
    "mid-batch:1:1",
    "before-commit:3",
    "after-commit:2",
    "mid-batch:3:2",
]
TIMED_KILLS = 5  # SIGKILL at a random moment after the poller took its lease
WATERMARK_KILLS = 3  # SIGKILL as soon as the watermark in the database moves


def _mailbox(seed: int) -> tuple[list[bytes], list[bytes]]:
    """INBOX and Sent: realistic mail plus the awkward cases."""
    rng = random.Random(seed)
    inbox = [
        make_message(i, body_size=rng.randint(300, 2500), html=i % 9 == 0)
        for i in range(INBOX_MESSAGES - 30)
    ]
    inbox += [inbox[i] for i in range(0, 50, 10)]  # 5 identical copies
    inbox += [make_message(5000 + i, message_id=None) for i in range(10)]  # no Message-ID
    inbox += [make_message(6000 + i, message_id="<shared@acme.example>") for i in range(5)]
    inbox += [bytes(rng.randrange(256) for _ in range(400)) for _ in range(5)]  # garbage
    inbox += [make_message(7000 + i, subject="x" * 3000) for i in range(5)]  # long subject
    rng.shuffle(inbox)
    sent = [
        make_message(8000 + i, sender="anna@assist.example", to="boss@acme.example")
        for i in range(SENT_MESSAGES)
    ]
    return inbox, sent


@dataclass
class Run:
    """One poller process and how it ended."""

    kind: str
    spec: str
    killed: bool
    returncode: int
    seconds: float
    output: str


def _alive(pid: int) -> bool:
    """Whether our poller *pid* still runs (checked by its command line, so a recycled
    pid is never mistaken for it)."""
    try:
        return b"tests.tools.poller" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _kill(pid: int) -> None:
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)


@dataclass
class Campaign:
    user: MailUser
    url: str
    engine: Engine
    zygote: Zygote
    logs: Path
    runs: list[Run] = field(default_factory=list)

    def argv(self, kill_at: str | None = None) -> list[str]:
        args = [
            "--db",
            self.url,
            "--port",
            str(self.user.server.port),
            "--user",
            self.user.name,
            "--folders",
            "INBOX,Sent",
            "--batch",
            str(BATCH),
            "--lease-seconds",
            str(LEASE_SECONDS),
            "--wait-lease",
        ]
        return [*args, "--kill-at", kill_at] if kill_at else args

    def start(self, kill_at: str | None = None) -> int:
        n = len(self.runs)
        return self.zygote.spawn(
            self.argv(kill_at), str(self.logs / f"{n}.out"), str(self.logs / f"{n}.err")
        )

    def finish(self, pid: int, kind: str, spec: str, started: float) -> Run:
        code = self.zygote.wait(pid)
        killed = code == -signal.SIGKILL
        n = len(self.runs)
        err = (self.logs / f"{n}.err").read_text(errors="replace")
        assert killed or code == 0, f"{kind} {spec}: exit {code}\n{err[-3000:]}"
        run = Run(
            kind,
            spec,
            killed,
            code,
            time.monotonic() - started,
            (self.logs / f"{n}.out").read_text(),
        )
        self.runs.append(run)
        return run

    def hook_kill(self, spec: str) -> Run:
        started = time.monotonic()
        return self.finish(self.start(spec), "hook", spec, started)

    def timed_kill(self, delay: float) -> Run:
        started = time.monotonic()
        pid = self.start()
        if self._wait_for_lease(pid):
            time.sleep(delay)
            _kill(pid)
        return self.finish(pid, "timed", f"{delay:.2f}s after the lease", started)

    def watermark_kill(self) -> Run:
        started = time.monotonic()
        before = self.watermark()
        pid = self.start()
        while _alive(pid) and self.watermark() == before:
            time.sleep(0.002)
        _kill(pid)
        return self.finish(pid, "watermark", f"watermark moved past {before}", started)

    def clean_run(self) -> Run:
        started = time.monotonic()
        return self.finish(self.start(), "clean", "", started)

    def assert_watermark_covers(self) -> None:
        """After a kill: every UID the server has up to the folder's watermark is stored
        (the watermark never runs ahead of the rows, even though a later sync would notice
        the gap and fill it)."""
        with self.user.client() as client:
            for folder in ("INBOX", "Sent"):
                client.select_folder(folder, readonly=True)
                server = set(client.search("ALL"))
                with self.engine.connect() as conn:
                    mark = (
                        conn.execute(
                            select(folders.c.last_uid).where(folders.c.name == folder)
                        ).scalar()
                        or 0
                    )
                    have = set(
                        conn.execute(
                            select(messages.c.uid).where(messages.c.folder == folder)
                        ).scalars()
                    )
                gap = sorted(uid for uid in server if uid <= mark and uid not in have)
                assert not gap, f"{folder}: watermark {mark} passed unstored UIDs {gap[:5]}"

    def stored(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(messages)).scalar_one())

    def watermark(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(func.coalesce(func.sum(folders.c.last_uid), 0))).scalar_one()
            )

    def _wait_for_lease(self, pid: int) -> bool:
        """Until the poller holds the account lease (its pid is in the holder)."""
        marker = f":{pid}:"
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            with self.engine.connect() as conn:
                holders = conn.execute(select(leases.c.holder)).scalars().all()
            if any(marker in h for h in holders):
                return True
            time.sleep(0.002)
        return False


def _message_id(raw: bytes) -> str | None:
    headers = email.parser.BytesHeaderParser().parsebytes(raw)
    value = headers.get("Message-ID")
    return str(value).strip().strip("<>") if value else None


def _check(campaign: Campaign) -> dict[str, int]:
    """The database mirrors the mailbox; returns the figures."""
    user, engine = campaign.user, campaign.engine
    served = {folder: user.fetch_all(folder) for folder in ("INBOX", "Sent")}
    expected = Counter(
        (f, hashlib.sha256(raw).hexdigest())
        for f, found in served.items()
        for raw in found.values()
    )
    query = select(
        messages.c.id,
        messages.c.folder,
        messages.c.uid,
        messages.c.raw_sha256,
        messages.c.message_id,
        messages.c.parse_error,
        message_raw.c.raw_zlib,
    ).join(message_raw, message_raw.c.message_pk == messages.c.id, isouter=True)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        marks = {r.name: int(r.last_uid) for r in conn.execute(select(folders))}
    stored = Counter((r.folder, r.raw_sha256) for r in rows)
    lost, duplicated = expected - stored, stored - expected
    assert not lost and not duplicated, (
        f"lost {sum(lost.values())}, duplicated "
        f"{sum(duplicated.values())}: {list(lost)[:3]} {list(duplicated)[:3]}"
    )
    for folder, found in served.items():
        uids = sorted(int(r.uid) for r in rows if r.folder == folder)
        assert uids == sorted(found), f"{folder}: stored UIDs differ from the server's"
        assert marks[folder] == max(found), f"{folder}: watermark {marks[folder]}"
        want_ids = Counter(
            _message_id(raw) for raw in found.values() if _message_id(raw) is not None
        )
        have_ids = Counter(
            r.message_id for r in rows if r.folder == folder and r.message_id is not None
        )
        assert have_ids == want_ids, f"{folder}: Message-IDs differ"
    for row in rows:
        assert row.raw_zlib is not None, f"message {row.id} has no raw bytes"
        raw = zlib.decompress(row.raw_zlib)
        assert hashlib.sha256(raw).hexdigest() == row.raw_sha256
        assert served[row.folder][int(row.uid)] == raw
    return {
        "messages_checked": len(rows),
        "lost": sum(lost.values()),
        "duplicated": sum(duplicated.values()),
        "unparseable": sum(1 for r in rows if r.parse_error is not None),
    }


def test_sigkill_at_many_points_loses_and_duplicates_nothing(
    dovecot: MailUser, database_url: str, tmp_path: Path
) -> None:
    inbox, sent = _mailbox(seed=5)
    dovecot.seed(inbox)
    dovecot.seed(sent, folder="Sent")
    rng = random.Random(11)
    Store.open(database_url).close()  # the schema, so the watcher can read from the start
    engine = create_engine(database_url)
    env = {**os.environ, "IW_TEST_PASSWORD": PASSWORD, "PYTHONPATH": str(ROOT)}
    zygote = Zygote(str(ROOT), env)
    campaign = Campaign(dovecot, database_url, engine, zygote, tmp_path)
    appended = 0
    plan: list[tuple[str, str | float | None]] = []
    for i, spec in enumerate(HOOK_KILLS):
        plan.append(("hook", spec))
        if i < TIMED_KILLS:
            plan.append(("timed", rng.uniform(0.0, 0.3)))
        if i < WATERMARK_KILLS:
            plan.append(("watermark", None))
    total = len(inbox) + len(sent)
    try:
        for step, (kind, arg) in enumerate(plan):
            if total - campaign.stored() < 6 * BATCH:  # every kill must find work to do
                dovecot.seed(
                    [make_message(20_000 + total + j, body_size=1200) for j in range(6 * BATCH)]
                )
                total += 6 * BATCH
            if kind == "hook":
                campaign.hook_kill(str(arg))
            elif kind == "timed":
                campaign.timed_kill(float(arg))  # type: ignore[arg-type]
            else:
                campaign.watermark_kill()
            campaign.assert_watermark_covers()
            if step % 4 == 3:  # new mail keeps arriving between crashes
                dovecot.append([make_message(9000 + appended + j) for j in range(5)])
                appended += 5
                total += 5
        final = campaign.clean_run()
        assert not final.killed
        figures_out = _check(campaign)
        again = subprocess.run(
            [sys.executable, "-m", "tests.tools.poller", *campaign.argv()],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        assert again.returncode == 0 and '"inserted": 0,' in again.stdout, again.stderr
    finally:
        zygote.close()
        engine.dispose()
    kills = [r for r in campaign.runs if r.killed]
    assert len(kills) >= len(plan) - 2, [(r.kind, r.spec, r.returncode) for r in campaign.runs]
    name = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    figures.record(
        "crash_consistency",
        name,
        kill_points=len(kills),
        kill_points_planned=len(plan),
        by_kind={k: sum(1 for r in kills if r.kind == k) for k in ("hook", "timed", "watermark")},
        mailbox_messages=total,
        poller_runs=len(campaign.runs) + 1,
        **figures_out,
    )
