"""Ordinary clients whose mail is real mail nobody wrote for us are not flagged for a text sign.

Four clients, each sent 30 messages drawn at random from the dev split of the shipped real
mail (``data/real/real-en.jsonl``: real 2002 mail, labelled by two annotators), all in
working hours, so only the classifier's tags could make them look difficult. Seeded into a
real Dovecot, fetched by ``inboxwatch poll --once``, judged by ``inboxwatch report``: no
``everything_urgent``, ``complaints`` or ``vague_requests`` may fire. The difficult sample
clients (``tests/test_end_to_end.py``, the demo) show the same pipeline still flags real
difficulty.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.dovecot import MailUser
from tests.smtpserver import SmtpServer, smtp_server
from tests.tools.service_env import ME, cli_env, run_cli, write_config

REAL = Path(__file__).resolve().parents[1] / "data" / "real" / "real-en.jsonl"
BUDAPEST = ZoneInfo("Europe/Budapest")
REPORT_DAY = datetime(2026, 11, 13, tzinfo=BUDAPEST)  # a Friday
CLIENTS = ("Northwind", "Contoso", "Fabrikam", "Tailspin")
PER_CLIENT = 30
TEXT_SIGNS = {"everything_urgent", "complaints", "vague_requests"}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def _working_moments(count: int, rng: random.Random) -> list[datetime]:
    """*count* moments on working days of the 30 days before the report day, 9:30–16:30."""
    days = [REPORT_DAY - timedelta(days=back) for back in range(1, 29)]
    workdays = [d for d in days if d.weekday() < 5]
    return sorted(
        d.replace(hour=rng.randint(9, 15), minute=rng.randint(30, 59))
        for d in (rng.choice(workdays) for _ in range(count))
    )


def _messages(rng: random.Random) -> list[bytes]:
    rows = [json.loads(line) for line in REAL.read_text("utf-8").splitlines()]
    dev = [r for r in rows if r["split"] == "dev"]
    chosen = rng.sample(dev, PER_CLIENT * len(CLIENTS))
    result = []
    for k, client in enumerate(CLIENTS):
        part = chosen[k * PER_CLIENT : (k + 1) * PER_CLIENT]
        for row, when in zip(part, _working_moments(PER_CLIENT, rng), strict=True):
            msg = EmailMessage()
            msg["From"] = f"{client} <office@{client.lower()}.example>"
            msg["To"] = ME
            msg["Subject"] = row["subject"] or "(no subject)"
            msg["Date"] = format_datetime(when.astimezone(UTC))
            msg["Message-ID"] = make_msgid(domain=f"{client.lower()}.example")
            msg.set_content(row["body"])
            result.append(msg.as_bytes())
    return result


def test_ordinary_real_clients_are_not_flagged_for_a_text_sign(
    tmp_path: Path, dovecot: MailUser, smtp: SmtpServer
) -> None:
    dovecot.seed(_messages(random.Random(20261207)))
    clients = [
        {"name": c, "addresses": [f"@{c.lower()}.example"], "monthly_revenue": 500} for c in CLIENTS
    ]
    config = write_config(
        tmp_path / "inboxwatch.toml",
        database_url=f"sqlite:///{tmp_path / 'iw.db'}",
        mailbox=dovecot,
        smtp=smtp,
        clients=clients,
    )
    env = cli_env(dovecot)
    poll = run_cli(config, "poll", "--once", env=env, timeout=300)
    assert poll.returncode == 0, poll.stderr
    result = run_cli(config, "report", "--format", "json", "--date", "2026-11-13", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    by_name = {c["name"]: c for c in report["clients"]}
    assert set(CLIENTS) <= set(by_name)
    for name in CLIENTS:
        assert by_name[name]["incoming"] == PER_CLIENT
        fired = [s for s in by_name[name]["signs"] if s["fired"] and s["name"] in TEXT_SIGNS]
        assert not fired, (
            f"{name} flagged on real mail: {[(s['name'], s['explanation']) for s in fired]}"
        )
