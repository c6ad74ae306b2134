"""The ``inboxwatch`` command line: parse options, call the library, turn errors into one line.

Each command is a function registered with ``@command``; its docstring is its ``--help``
text, with an example, and its options are declared beside it with ``@option``. Commands
write their results to the ``out`` stream they are given and raise ``InboxwatchError`` for
anything that went wrong; ``main`` prints that error once (as JSON with ``--log-format
json``) and exits with the code ``EXIT_CODES`` gives its type. Logging is configured here
and only here.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import logging
import os
import signal
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from inboxwatch import __version__
from inboxwatch.config import Config, config_path, load_config
from inboxwatch.errors import (
    ConfigError,
    CredentialError,
    DeliveryDeferred,
    ImapAuthError,
    ImapConnectError,
    ImapTlsError,
    InboxwatchError,
    LockError,
    UsageError,
)

if TYPE_CHECKING:
    from inboxwatch.storage.store import Store

logger = logging.getLogger("inboxwatch")

EXIT_OK = 0
EXIT_FAILURE = 1  # the command ran but something failed (a source, a send, a model)
EXIT_USAGE = 2  # bad command-line usage, or it names a client or message that does not exist
EXIT_CONFIG = 3  # the configuration or a credential is wrong: fix it, then retry
EXIT_TEMPFAIL = 75  # locked or unreachable: retrying later may succeed (EX_TEMPFAIL)
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
EXIT_BROKEN_PIPE = 141  # stdout was closed early, as by `| head` (128 + SIGPIPE)

POLL_WAIT_SECONDS = 30.0  # poll --once: how long to wait in all on servers that do not answer

# The exit code of each error a command raises: the first entry the error is an instance
# of wins, so subclasses come before their parents.
EXIT_CODES: tuple[tuple[type[InboxwatchError], int], ...] = (
    (UsageError, EXIT_USAGE),
    (ConfigError, EXIT_CONFIG),
    (CredentialError, EXIT_CONFIG),
    (ImapAuthError, EXIT_CONFIG),  # a wrong password: retrying will not fix it
    (ImapTlsError, EXIT_CONFIG),  # an untrusted certificate or no STARTTLS: fix the config
    (ImapConnectError, EXIT_TEMPFAIL),
    (LockError, EXIT_TEMPFAIL),
    (DeliveryDeferred, EXIT_TEMPFAIL),
    (InboxwatchError, EXIT_FAILURE),
)
# When several accounts fail differently, the code that needs a person wins over "retry".
_PRECEDENCE = (EXIT_CONFIG, EXIT_FAILURE, EXIT_TEMPFAIL)


def exit_code(error: InboxwatchError) -> int:
    """The exit code for *error*, from EXIT_CODES."""
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


def worst_exit_code(errors: Sequence[InboxwatchError]) -> int:
    """One exit code for several errors: configuration before failure before retry."""
    codes = {exit_code(error) for error in errors}
    return next((code for code in _PRECEDENCE if code in codes), EXIT_OK)


# --- declaring commands and their options ---------------------------------------------

Command = Callable[[argparse.Namespace, TextIO], int]


@dataclass(frozen=True)
class Arg:
    """One argparse argument: the flags (or name) and add_argument's keywords."""

    flags: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OneOf:
    """Mutually exclusive options (argparse's mutually exclusive group)."""

    choices: tuple[Arg, ...]
    required: bool


@dataclass(frozen=True)
class CommandSpec:
    func: Command
    args: tuple[Arg | OneOf, ...]


COMMANDS: dict[str, Command] = {}
_SPECS: dict[str, CommandSpec] = {}
_PENDING: dict[Command, list[Arg | OneOf]] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register a sub-command; its docstring becomes its --help, the ``@option``
    decorators below it its options (in the order written)."""

    def register(func: Command) -> Command:
        COMMANDS[name] = func
        _SPECS[name] = CommandSpec(func, tuple(reversed(_PENDING.pop(func, []))))
        return func

    return register


def option(*flags: str, **settings: Any) -> Callable[[Command], Command]:
    """Declare one option (or positional argument) of the command below it."""
    return _attach(Arg(flags, settings))


def one_of(*choices: Arg, required: bool = True) -> Callable[[Command], Command]:
    """Declare options of which at most one may be given (exactly one when *required*:
    ``--yes`` or ``--no``)."""
    return _attach(OneOf(choices, required))


def _attach(arg: Arg | OneOf) -> Callable[[Command], Command]:
    def attach(func: Command) -> Command:
        _PENDING.setdefault(func, []).append(arg)
        return func

    return attach


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-13, got {text!r}") from exc


def _message_reference(text: str) -> str:
    """A message as the report prints it (``#182``), as a database id, or a Message-ID."""
    bare = text.strip()
    return bare[1:] if bare.startswith("#") and bare[1:].isdigit() else bare


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return seconds


_MODELS = Arg(
    ("--models",),
    {"metavar": "DIR", "help": "model folder (default: [models] dir, else the bundled one)"},
)
_DATA = Arg(
    ("--data",),
    {
        "default": None,
        "metavar": "DIR",
        "help": "labelled data folder (default: the bundled data/labelled)",
    },
)
_REAL = Arg(
    ("--real",),
    {
        "default": None,
        "metavar": "DIR",
        "help": "labelled real mail (default: the bundled data/real)",
    },
)


def _config(args: argparse.Namespace) -> Config:
    config = load_config(config_path(args.config))
    for warning in config.warnings:
        logger.warning("%s", warning)
    return config


# --- commands ---------------------------------------------------------------------------


@command("init")
def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    """Write a starter config (the annotated example, mode 600) and say what to edit next.

    Writes to --config, else $INBOXWATCH_CONFIG, else the platform's config folder
    (~/.config/inboxwatch/inboxwatch.toml on Linux). Never overwrites an existing file.

    Example:
      inboxwatch init && inboxwatch check-config
    """
    from inboxwatch.app.setup_commands import init_command

    return init_command(config_path(args.config), args.config is None, out)


@command("check-config")
def cmd_check_config(args: argparse.Namespace, out: TextIO) -> int:
    """Validate the configuration and say, a line each, what the service will do with it.

    Checks every key, the time zone, working hours and days, the holiday country, client
    addresses, and that every password source is set or OAuth2 account signed in (without
    printing any password or token). Then lists where the database is, which accounts and
    folders are polled, and when the daily report goes out and to whom; warns when [smtp] is
    missing.

    Example:
      inboxwatch --config ~/.config/inboxwatch/inboxwatch.toml check-config
    """
    from inboxwatch.app.account_commands import login_state
    from inboxwatch.app.setup_commands import service_summary, summary_warnings

    config = _config(args)
    out.write(f"config {config.path}: OK\n")
    for line in service_summary(config):
        out.write(f"{line}\n")
    problems = 0
    for account in config.accounts:
        try:
            state = login_state(account)
        except CredentialError as exc:
            state, problems = f"PROBLEM: {exc}", problems + 1
        out.write(f"account {account.name}: {state}\n")
    for warning in summary_warnings(config):
        out.write(f"WARNING: {warning}\n")
    return EXIT_CONFIG if problems else EXIT_OK


@command("import")
@option("paths", nargs="+", metavar="PATH", help="mbox file or Maildir")
def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    """Import an mbox file (e.g. a Google Takeout export) or a Maildir folder.

    Every message is parsed, classified and stored once; importing the same export again
    stores nothing new.

    Example:
      inboxwatch import ~/Takeout/Mail/All\\ mail\\ Including\\ Spam\\ and\\ Trash.mbox
    """
    from inboxwatch.classifying.classifier import Classifier
    from inboxwatch.ingest.importer import import_export
    from inboxwatch.ingest.pipeline import IngestContext
    from inboxwatch.storage.store import Store

    config = _config(args)
    ctx = IngestContext.from_config(config, Classifier.load(config.models_dir))
    with Store.open(config.database_url) as store:
        for path in args.paths:
            out.write(import_export(Path(path).expanduser(), store, ctx).line() + "\n")
    return EXIT_OK


@command("invoices")
@option("action", choices=("import", "list"), help="import a ledger CSV, or list what is stored")
@option("file", nargs="?", metavar="FILE", help="the ledger CSV (for import)")
@option(
    "--map",
    action="append",
    default=[],
    metavar="FIELD=COLUMN",
    help="read FIELD from the column named COLUMN (fields: number, client, email, issued, "
    "due, paid, amount, currency); comma-separated or repeated",
)
@option(
    "--date-order",
    choices=("dmy", "mdy"),
    help="how the file writes dates with slashes: dmy = 27/11/2026, mdy = 11/27/2026 "
    "(default: told by a date in the file whose day is over 12)",
)
@option("--client", metavar="CLIENT", help="list only this client's invoices")
@option("--format", choices=("text", "json"), default="text", help="for list")
def cmd_invoices(args: argparse.Namespace, out: TextIO) -> int:
    """Import your ledger (a CSV of your invoices), or list the invoices stored.

    The ledger wins over the mail for the late_payment sign: an invoice it lists as unpaid
    past its due date is overdue even if you never sent a reminder. Columns are found by
    their usual English or Hungarian names (Invoice number/Sorszám, Client/Vevő neve,
    E-mail, Issue date/Kelte, Due date/Fizetési határidő, Paid date/Kifizetés dátuma,
    Amount/Bruttó összeg, Currency/Pénznem); --map names the others. UTF-8 or
    Windows-1250, `;` or `,` separated; dates like 2026-11-27, 2026. 11. 27. or 27/11/2026
    (--date-order when the file cannot tell 03/04 apart); amounts like 1 234,50. Rows
    are matched to your [[clients]] by name (case and accents do not matter) or by e-mail
    address; rows of other clients are skipped and named. Importing again updates
    invoices, never duplicates them. Unreadable rows are named with their
    line number and skipped (exit 1); a file that is no ledger is refused (exit 1).

    Example:
      inboxwatch invoices import szamlak.csv --map number=Sorszám,paid=Fizetve
      inboxwatch invoices list --client "Lassú Kft."
    """
    from inboxwatch.app.invoice_commands import import_command, list_command

    if args.action == "import":
        return import_command(_config(args), args.file, args.map, out, args.date_order)
    return list_command(_config(args), args.client, args.format, out)


@command("poll")
@option("--once", action="store_true", help="one pass, then exit")
@option(
    "--wait",
    type=_positive_seconds,
    default=POLL_WAIT_SECONDS,
    metavar="SECONDS",
    help="give up on servers that do not answer after this many seconds in all "
    "(default: %(default)g); time spent syncing is not counted",
)
def cmd_poll(args: argparse.Namespace, out: TextIO) -> int:
    """Fetch new mail from every configured IMAP account (read-only) and store it.

    With --once, one pass over all accounts and folders, then exit. (The long-running
    service is `inboxwatch run`.) Accounts with allow_write = true then get the tags and
    reply suggestions as IMAP keywords ($iw_urgent, $iw_reply_later, ...). An account that
    fails is named on stderr, once; the exit
    code is 3 when a password or the config is wrong, 75 when a server could not be reached
    within --wait seconds or another inboxwatch is syncing the account, 1 otherwise.

    Example:
      INBOXWATCH_WORK_PASSWORD=... inboxwatch poll --once
    """
    from inboxwatch.app.poll_commands import account_errors, poll_once
    from inboxwatch.storage.store import Store

    if not args.once:
        raise UsageError("poll needs --once; to keep polling, run the service: inboxwatch run")
    config = _config(args)
    _stop_on_signals()  # unwind like Ctrl-C, so the account lease is released
    with Store.open(config.database_url) as store:
        reports = poll_once(config, store, args.wait)
        for report in reports:
            for line in report.lines(with_error=False):
                out.write(line + "\n")
            if report.error is not None:
                _print_error(args, f"{report.account}: {report.error}")
        synced = [report.account for report in reports if report.error is None]
        errors = account_errors(reports) + _write_keywords(args, config, store, synced, out)
    return worst_exit_code(errors)


def _write_keywords(
    args: argparse.Namespace, config: Config, store: Store, synced: list[str], out: TextIO
) -> list[InboxwatchError]:
    """Keywords for the synced accounts with allow_write; the errors (each printed once)."""
    from inboxwatch.app.keywords import write_keywords
    from inboxwatch.ingest.sync import account_password

    errors: list[InboxwatchError] = []
    for account in config.accounts:
        if account.allow_write and account.name in synced:
            try:
                out.write(
                    write_keywords(config, account, account_password(account), store).line() + "\n"
                )
            except InboxwatchError as exc:
                _print_error(args, f"{account.name}: writing keywords failed: {exc}")
                errors.append(exc)
    return errors


@command("status")
@option("--format", choices=("text", "json"), default="text")
def cmd_status(args: argparse.Namespace, out: TextIO) -> int:
    """Show, per account and folder, what is stored and where the sync stands.

    Lists messages stored, messages kept raw because they could not be parsed (with the
    reason), the last UID seen and the UIDVALIDITY, each imported ledger (its invoices and
    when it was last imported), and the clients whose mail is not stored because you ran
    `forget` (undo with `forget CLIENT --undo`).

    Example:
      inboxwatch status --format json
    """
    from inboxwatch.app.data_commands import status_command

    return status_command(_config(args), args.format, out)


@command("forget")
@option("client", metavar="CLIENT", help="the client's name, as in the config")
@option(
    "--address",
    action="append",
    default=[],
    metavar="ADDRESS",
    help="another address (boss@acme.example) or domain (@acme.example) of theirs; "
    "repeatable; needed for a client no longer in the config",
)
@one_of(
    Arg(("--yes",), {"action": "store_true", "help": "delete (default: only show)"}),
    Arg(
        ("--undo",),
        {
            "action": "store_true",
            "help": "store the client's new mail again (deleted mail stays deleted)",
        },
    ),
    required=False,
)
def cmd_forget(args: argparse.Namespace, out: TextIO) -> int:
    """Delete everything stored about one client, and stop storing their mail.

    Deletes their messages, raw bytes, corrections, score history and ledger invoices. A
    message is the client's if it was assigned to them, or sent from or to one of their
    configured addresses (and any given with --address). Without --yes, only shows what would be
    deleted. A name that matches no configured client is refused (exit 2) with the closest
    names, unless --address says whose mail it is. The database is compacted afterwards,
    so on SQLite the deleted text leaves the file. Stop the service first (it is refused
    while the service runs).

    Deleted mail is never fetched or stored again, and from then on new mail from or to them
    is not stored (nor analysed) — even if they stay in the config — until you run
    `forget CLIENT --undo`. Undoing stores their new mail again, including what arrived
    while they were forgotten (fetched on the next poll); what was deleted stays deleted.
    The database keeps the client's name and addresses, to recognise their mail, until then.

    Example:
      inboxwatch forget "Acme Kft."            # what would go
      inboxwatch forget "Acme Kft." --yes      # delete it; store none of their mail
      inboxwatch forget "Acme Kft." --undo     # store their mail again
    """
    from inboxwatch.app.data_commands import forget_command, unforget_command

    if args.undo:
        return unforget_command(_config(args), args.client, out)
    return forget_command(_config(args), args.client, args.address, args.yes, out)


@command("demo")
@option(
    "--db",
    default="demo-out/inboxwatch-demo.db",
    help="SQLite file to create (default: %(default)s)",
)
def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Run the whole pipeline on the bundled sample mailbox, into a local SQLite file.

    Imports data/sample/sample.mbox (six weeks of fictional client mail in English and
    Hungarian) and the ledger data/sample/ledger.csv (as `invoices import` does) with
    data/sample/demo.toml, and prints what was ingested and the report.
    No network, no configuration needed.

    Example:
      inboxwatch demo --db demo-out/inboxwatch-demo.db
    """
    from inboxwatch.app.demo import run_demo

    return run_demo(Path(args.db), out)


@command("classify")
@option(*_MODELS.flags, **_MODELS.settings)
def cmd_classify(args: argparse.Namespace, out: TextIO) -> int:
    """Classify messages given as JSON Lines on stdin; write one JSON line per message.

    Input lines: {"id": ..., "subject": ..., "body": ..., "date": "RFC 3339" (optional)}.
    Output lines: {"id", "tags", "scores", "language", "content_words", "why"}. The body's
    quoted history and signature are stripped first. With a config, "date" also yields the
    after-hours tag.

    Example:
      echo '{"id": 1, "subject": "Re: logo", "body": "ASAP pls!!"}' | inboxwatch classify
    """
    from inboxwatch.app.classify_commands import classify_stream

    config = _optional_config(args)
    return classify_stream(sys.stdin, out, _models_dir(args, config), config)


@command("train")
@option(*_MODELS.flags, **_MODELS.settings)
@option(*_DATA.flags, **_DATA.settings)
@option(*_REAL.flags, **_REAL.settings)
def cmd_train(args: argparse.Namespace, out: TextIO) -> int:
    """Rebuild the classifier from data/ (plus your corrections) and write models/.

    Corrections recorded with `inboxwatch label` are read from the configured database
    when a config is available, and win over the shipped examples.

    Example:
      inboxwatch train --data data/labelled --models models
    """
    from inboxwatch.app.classify_commands import train_command

    config = _optional_config(args)
    return train_command(
        _data_dir(args.data, "labelled"),
        _data_dir(args.real, "real"),
        _models_dir(args, config),
        config,
        out,
    )


@command("evaluate")
@option(*_MODELS.flags, **_MODELS.settings)
@option(*_DATA.flags, **_DATA.settings)
@option(*_REAL.flags, **_REAL.settings)
def cmd_evaluate(args: argparse.Namespace, out: TextIO) -> int:
    """Print per-tag precision, recall, F1 and false alarms, next to a keyword baseline.

    Two tables: the test split of the real mail in --real (mail nobody wrote for the
    project), then the held-out split of the written data in --data.

    Example:
      inboxwatch evaluate --data data/labelled --real data/real
    """
    from inboxwatch.classifying.training import evaluate

    models = _models_dir(args, _optional_config(args))
    reports = evaluate(_data_dir(args.data, "labelled"), models, _data_dir(args.real, "real"))
    out.write("\n\n".join(report.format_table() for report in reports) + "\n")
    return EXIT_OK


@command("label")
@option(
    "message",
    metavar="MESSAGE",
    type=_message_reference,
    help="the id the report shows (182 or #182), or the Message-ID",
)
@option("--tag", required=True, choices=("urgent", "vague", "complaint"))
@one_of(
    Arg(("--yes",), {"dest": "value", "action": "store_true", "help": "the tag applies"}),
    Arg(("--no",), {"dest": "value", "action": "store_false", "help": "it does not"}),
)
def cmd_label(args: argparse.Namespace, out: TextIO) -> int:
    """Correct one tag of a stored message; the next `inboxwatch train` learns from it.

    MESSAGE is the id shown by reports (with or without its #), or the Message-ID header.

    Example:
      inboxwatch label '#1234' --tag urgent --no
    """
    from inboxwatch.app.classify_commands import label_command

    return label_command(_config(args), args.message, args.tag, args.value, out)


@command("reclassify")
def cmd_reclassify(args: argparse.Namespace, out: TextIO) -> int:
    """Re-run the current model over every stored incoming message (after a retrain).

    Your corrections keep winning over the model.

    Example:
      inboxwatch train && inboxwatch reclassify
    """
    from inboxwatch.app.classify_commands import reclassify_command

    return reclassify_command(_config(args), out)


@command("report")
@option("--format", choices=("text", "json", "html"), default="text")
@option("--date", metavar="YYYY-MM-DD", type=_iso_date, help="report day (default: today)")
@option("--send", action="store_true", help="also send the alert e-mail")
def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    """Show the client report: scores, warning signs with evidence, Pareto view, advice.

    --format text (default), json (the documented, stable schema) or html (the alert
    e-mail's page, charts inlined). --date picks the report day (default: today).
    --send also queues it as the alert e-mail and sends it now; it exits 75 when the mail
    could not be sent yet (it stays queued and the service retries it), 1 when the server
    refused it for good.

    Example:
      inboxwatch report --format json --date 2026-11-13
    """
    from inboxwatch.app.report_commands import report_command

    return report_command(_config(args), args.format, args.date, args.send, out)


@command("suggest")
@option(
    "--date", metavar="YYYY-MM-DD", type=_iso_date, help="as of the end of this day (default: now)"
)
def cmd_suggest(args: argparse.Namespace, out: TextIO) -> int:
    """Suggest when to answer each recent unanswered client message, and why.

    Prompt answers for real urgency and complaints; working hours otherwise; deliberately
    not instantly for clients whose urgency is habitual.

    Example:
      inboxwatch suggest
    """
    from inboxwatch.app.report_commands import suggest_command

    return suggest_command(_config(args), args.date, out)


@command("waiting")
@option("--format", choices=("text", "json"), default="text")
def cmd_waiting(args: argparse.Namespace, out: TextIO) -> int:
    """List what is waiting: your questions a client has left unanswered, and client mail
    still waiting for your answer (with when to reply).

    A question is listed after more than [waiting] after_working_hours of the client's
    working time without an answer (default 16); both lists look back [waiting] days
    (default 14). Answers remove items as they arrive. The daily report has the same
    section.

    Example:
      inboxwatch waiting --format json
    """
    from inboxwatch.app.report_commands import waiting_command

    return waiting_command(_config(args), args.format, out)


@command("run")
def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    """Run the service: poll (and IMAP IDLE), the daily report e-mail, retention.

    Stops cleanly on SIGTERM or Ctrl-C. Only one instance may run per database.

    Example:
      inboxwatch --log-format json run
    """
    from inboxwatch.app.service_commands import run_command

    return run_command(_config(args))


@command("health")
def cmd_health(args: argparse.Namespace, out: TextIO) -> int:
    """Exit 0 when the service is running and every account syncs, 1 otherwise.

    An account fails when its last successful sync is older than [health]
    max_sync_age_minutes (default: three poll intervals and five minutes); each failing
    account is named, with its last error. For Docker's HEALTHCHECK, systemd timers and
    monitoring checks.

    Example:
      inboxwatch health || systemctl restart inboxwatch
    """
    from inboxwatch.app.service_commands import health_command

    return health_command(_config(args), out)


@command("metrics")
def cmd_metrics(args: argparse.Namespace, out: TextIO) -> int:
    """Print Prometheus metrics: per account the last successful sync, messages ingested
    and login failures; the outbox (pending, failed) and the last report sent.

    `inboxwatch run` serves the same at http://HOST:PORT/metrics when the config has
    [metrics] listen = "127.0.0.1:9108".

    Example:
      inboxwatch metrics | grep last_success
    """
    from inboxwatch.app.service_commands import metrics_command

    return metrics_command(_config(args), out)


@command("auth")
@option("action", choices=("login",), help="login: sign in interactively")
@option("account", metavar="ACCOUNT", help="the account's name")
def cmd_auth(args: argparse.Namespace, out: TextIO) -> int:
    """Sign an account in with OAuth2 and keep its refresh token (auth = "oauth2").

    Microsoft 365 shows a code to enter at microsoft.com/devicelogin; Google opens a
    sign-in page in the browser, which returns to this computer (127.0.0.1). The refresh
    token goes to the account's token_file (mode 0600) and is never printed or logged.

    Example:
      inboxwatch auth login work
    """
    import webbrowser

    from inboxwatch.app.account_commands import auth_login_command

    return auth_login_command(_config(args), args.account, out, webbrowser.open)


@command("folders")
@option("account", metavar="ACCOUNT", help="the account's name")
def cmd_folders(args: argparse.Namespace, out: TextIO) -> int:
    """List an account's folders on the server, with their special-use flags (\\Sent...).

    Shows which folder the sync takes as the Sent folder when sent_folder is not set.

    Example:
      inboxwatch folders work
    """
    from inboxwatch.app.account_commands import folders_command

    return folders_command(_config(args), args.account, out)


# --- wiring -----------------------------------------------------------------------------


def _optional_config(args: argparse.Namespace) -> Config | None:
    path = config_path(args.config)
    if args.config is None and not path.exists():
        return None
    return _config(args)


def _data_dir(cli_value: str | None, bundled: str) -> Path:
    """A --data or --real folder: as given, else the installed data/<bundled>."""
    from inboxwatch.config import project_home

    return Path(cli_value).expanduser() if cli_value else project_home() / "data" / bundled


def _models_dir(args: argparse.Namespace, config: Config | None) -> Path:
    from inboxwatch.config import default_models_dir

    if args.models:
        return Path(args.models)
    return config.models_dir if config is not None else default_models_dir()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


USER_HELP = """\
inboxwatch reads your mailbox over IMAP (read-only), tags every client message (urgent,
vague, complaint, after-hours), scores each client by named warning signs with the messages
behind them, and mails you a short report each morning about clients who are becoming
difficult. Your mail stays in your own database.

Start here:
  inboxwatch demo                 see it work on a bundled sample mailbox (no setup)
  inboxwatch check-config         check your config file and passwords (nothing is fetched)
  inboxwatch poll --once          fetch new mail, then
  inboxwatch report               read today's report (`inboxwatch run` keeps doing both)
"""

EPILOG = """\
Global options may also follow the command (inboxwatch report --config x.toml).
Run `inboxwatch COMMAND --help` for a command's options and an example.
Exit codes: 0 ok, 1 failed, 2 usage, 3 fix the config or a password, 75 retry later.
"""


def _global_options(parser: argparse._ActionsContainer, *, after_command: bool) -> None:
    def default(value: object) -> object:
        # After the command, an absent option must not overwrite the one given before it.
        return argparse.SUPPRESS if after_command else value

    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default(None),
        help="config file (default: $INBOXWATCH_CONFIG, else ./inboxwatch.toml)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="more log output (-vv for debug)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=default("text"),
        help="log and error lines as text or JSON (default: text)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inboxwatch",
        description=USER_HELP,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"inboxwatch {__version__}")
    _global_options(parser, after_command=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, spec in _SPECS.items():
        doc = spec.func.__doc__ or ""
        child = sub.add_parser(
            name,
            help=doc.splitlines()[0],
            description=_dedent(doc),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for arg in spec.args:
            _add_arg(child, arg)
        _global_options(child.add_argument_group("global options"), after_command=True)
    return parser


def _add_arg(parser: argparse.ArgumentParser, arg: Arg | OneOf) -> None:
    if isinstance(arg, Arg):
        parser.add_argument(*arg.flags, **arg.settings)
        return
    group = parser.add_mutually_exclusive_group(required=arg.required)
    for choice in arg.choices:
        group.add_argument(*choice.flags, **choice.settings)


def _dedent(doc: str) -> str:
    first, _, rest = doc.partition("\n")
    return first + "\n" + textwrap.dedent(rest)


def configure_logging(verbose: int, fmt: str, stream: TextIO | None = None) -> None:
    """Logs go to stderr; JSON lines with --log-format json. Bodies are never logged."""
    from inboxwatch.logs import JsonFormatter

    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("imapclient").setLevel(logging.WARNING)  # its protocol log holds mail
    logging.getLogger("apscheduler.executors.membership").setLevel(logging.WARNING)  # every 3 s
    # what `run` will do (setup_commands.service_summary) is shown at the default level too
    logging.getLogger("inboxwatch.app.service_commands").setLevel(min(level, logging.INFO))


def _print_error(args: argparse.Namespace, message: str) -> None:
    """One error line on stderr: ``inboxwatch: message``, or a JSON log line."""
    if getattr(args, "log_format", "text") == "json":
        from inboxwatch.logs import JsonFormatter

        record = logging.LogRecord(logger.name, logging.ERROR, __file__, 0, message, None, None)
        sys.stderr.write(JsonFormatter().format(record) + "\n")
    else:
        sys.stderr.write(f"inboxwatch: {message}\n")
    sys.stderr.flush()


def _quiet_closed_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null, so that the interpreter's last flush
    at exit cannot fail (and print a traceback) again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _wants_json(argv: Sequence[str]) -> bool:
    return "--log-format=json" in argv or any(
        pair == ("--log-format", "json") for pair in itertools.pairwise(argv)
    )


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    """The parsed command line. A usage error exits 2 as argparse does, but with
    ``--log-format json`` its message is a JSON line too."""
    if not _wants_json(argv):
        return build_parser().parse_args(argv)
    captured = io.StringIO()
    try:
        with contextlib.redirect_stderr(captured):
            return build_parser().parse_args(argv)
    except SystemExit as exc:
        if exc.code:
            lines = captured.getvalue().strip().splitlines() or ["invalid command line"]
            _print_error(argparse.Namespace(log_format="json"), lines[-1])
        raise


class Terminated(BaseException):
    """SIGTERM or SIGHUP during a one-shot command: it unwinds like Ctrl-C (a BaseException,
    so no ``except InboxwatchError`` swallows it) and every ``finally`` releases what it
    holds."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


def _stop_on_signals() -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_terminated)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``inboxwatch`` console script."""
    args = _parse(list(sys.argv[1:] if argv is None else argv))
    configure_logging(args.verbose, args.log_format)
    try:
        code = COMMANDS[args.command](args, sys.stdout)
        sys.stdout.flush()  # a closed pipe surfaces here, not at interpreter exit
        return code
    except InboxwatchError as exc:
        _print_error(args, str(exc))
        return exit_code(exc)
    except BrokenPipeError:
        _quiet_closed_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _print_error(args, "interrupted")
        return EXIT_INTERRUPTED
    except Terminated as exc:
        _print_error(args, f"stopped by {signal.Signals(exc.signum).name}")
        return 128 + exc.signum


if __name__ == "__main__":
    sys.exit(main())
