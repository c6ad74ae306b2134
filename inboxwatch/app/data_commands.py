"""The stored data's commands: ``status`` (what is stored per folder, where the sync stands,
which ledgers were imported) and ``forget`` (delete everything stored about one client and
stop storing their mail, or undo the latter)."""

from __future__ import annotations

import difflib
import json
import shlex
from collections.abc import Sequence
from typing import TextIO

from inboxwatch.config import Config
from inboxwatch.errors import UsageError
from inboxwatch.storage.invoices import LedgerSource, ledger_sources
from inboxwatch.storage.store import FolderStatus, ParseFailure, Store


def status_command(config: Config, fmt: str, out: TextIO) -> int:
    """Print, per account and folder, what is stored and where the sync stands (text or
    JSON)."""
    from inboxwatch.app.metrics import accounts_by_worker, live_workers, worker_lines
    from inboxwatch.storage.tombstones import load_forgotten

    with Store.open(config.database_url) as store:
        statuses = store.folder_statuses()
        failures = store.parse_failures()
        ledgers = ledger_sources(store)
        with store.transaction() as conn:
            forgotten = sorted(client.name for client in load_forgotten(conn))
            workers = live_workers(conn)
    if fmt == "json":
        json.dump(
            {
                "folders": [_status_dict(s) for s in statuses],
                "parse_failures": [vars(f) for f in failures],
                "forgotten_clients": forgotten,
                "workers": accounts_by_worker(config, workers),
                "ledgers": [_status_dict(ledger) for ledger in ledgers],
            },
            out,
            indent=2,
            default=str,
        )
        out.write("\n")
        return 0
    _print_status(statuses, failures, out)
    for ledger in ledgers:
        kind = "invoice" if ledger.invoices == 1 else "invoices"
        whose = "client" if ledger.clients == 1 else "clients"
        out.write(
            f"ledger {ledger.source or '(unnamed)'}: {ledger.invoices} {kind} of "
            f"{ledger.clients} {whose}, last imported {ledger.last_imported:%Y-%m-%d %H:%M} "
            "UTC (inboxwatch invoices list)\n"
        )
    for line in worker_lines(config, workers):
        out.write(line + "\n")
    for name in forgotten:
        out.write(
            f"forgotten: {name} (their mail is not stored; to store it again: "
            f"inboxwatch forget {shlex.quote(name)} --undo)\n"
        )
    return 0


def _status_dict(status: FolderStatus | LedgerSource) -> dict[str, object]:
    data = dict(vars(status))
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def _print_status(
    statuses: Sequence[FolderStatus], failures: Sequence[ParseFailure], out: TextIO
) -> None:
    if not statuses:
        out.write("nothing stored yet: run `inboxwatch poll --once` or `inboxwatch import PATH`\n")
    for s in statuses:
        last = s.last_uid if s.last_uid is not None else "-"
        validity = s.uidvalidity if s.uidvalidity is not None else "-"
        out.write(
            f"{s.account}/{s.folder}: {s.stored} stored, {s.failed} unparseable, "
            f"last uid {last}, uidvalidity {validity}\n"
        )
    for f in failures:
        out.write(f"  unparseable: {f.account}/{f.folder} uid {f.uid}: {f.reason}\n")


def forget_command(
    config: Config, client: str, extra_addresses: Sequence[str], yes: bool, out: TextIO
) -> int:
    """Show (or, with *yes*, delete) everything stored about *client*: messages from or to
    their configured addresses and *extra_addresses*, corrections, score history; deleting
    also stops their new mail from being stored. Refused while the service runs (it holds
    the service lease)."""
    from inboxwatch.app.daemon import SERVICE_LEASE
    from inboxwatch.storage.leases import Leases
    from inboxwatch.storage.retention import client_data, forget_client

    configured = next((c for c in config.clients if c.name == client), None)
    if configured is None and not extra_addresses:
        raise UsageError(_unknown_client(config, client))
    addresses = [*(configured.addresses if configured else ()), *extra_addresses]
    with Store.open(config.database_url) as store:
        if not yes:
            out.write(client_data(store, client, addresses).line(client, deleted=False) + "\n")
            out.write("run again with --yes to delete it and store none of their new mail\n")
            return 0
        with Leases(store).hold(SERVICE_LEASE):
            _refuse_while_workers_run(store)
            out.write(forget_client(store, client, addresses).line(client, deleted=True) + "\n")
        out.write(
            f"{client}: their new mail will not be stored; to store it again: "
            f"inboxwatch forget {shlex.quote(client)} --undo\n"
        )
    return 0


def _refuse_while_workers_run(store: Store) -> None:
    """The service lease keeps a single service out; `run` workers on PostgreSQL join
    before they check it, so seeing none here after taking it means none works."""
    from inboxwatch.errors import LockError
    from inboxwatch.storage.leases import Leases, describe_holder

    workers = Leases(store).live_members()
    if workers:
        raise LockError(
            f"the service runs as {len(workers)} worker(s) on this database "
            f"({', '.join(describe_holder(w) for w in workers)}); stop them first"
        )


def unforget_command(config: Config, client: str, out: TextIO) -> int:
    """Store *client*'s mail again (what ``forget --yes`` deleted stays deleted); a name
    that is not forgotten is refused."""
    from inboxwatch.storage.retention import unforget_client

    with Store.open(config.database_url) as store:
        was_forgotten, returning = unforget_client(store, client)
    if not was_forgotten:
        raise UsageError(
            f"no forgotten client named {client!r}; nothing to undo "
            "(`inboxwatch status` lists the forgotten clients)"
        )
    out.write(
        f"{client} is no longer forgotten: their new mail is stored again, and the "
        f"{returning} messages that arrived meanwhile are fetched on the next poll\n"
    )
    return 0


def _unknown_client(config: Config, name: str) -> str:
    """Why *name* is refused, with the closest configured client names."""
    folded = {c.name.casefold(): c.name for c in config.clients}
    key = name.casefold()
    matches = difflib.get_close_matches(key, list(folded), n=3, cutoff=0.4)
    matches += [f for f in folded if key in f and f not in matches]  # "acme" in "acme kft."
    close = [repr(folded[f]) for f in matches[:3]]
    hint = (
        f"did you mean {' or '.join(close)}?"
        if close
        else f"the configured clients are: {', '.join(map(repr, folded.values())) or 'none'}"
    )
    return (
        f"no client named {name!r} in {config.path}; {hint} (to forget a client no "
        "longer in the config, give their addresses with --address)"
    )
