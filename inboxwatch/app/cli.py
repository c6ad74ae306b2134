"""The ``inboxwatch`` command line: parse options, call the library, turn errors into one line.

Each command's docstring is its ``--help`` text, with an example. Logging is configured here
and only here. Exit codes are the named constants below.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from datetime import date
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from inboxwatch import __version__
from inboxwatch.config import Config, config_path, load_config
from inboxwatch.errors import (
    ConfigError,
    CredentialError,
    InboxwatchError,
    LockError,
    SourceError,
)

if TYPE_CHECKING:
    from inboxwatch.ingest.pipeline import IngestContext
    from inboxwatch.storage.store import Store

logger = logging.getLogger("inboxwatch")

EXIT_OK = 0
EXIT_FAILURE = 1  # the command ran but something failed (a source, a send, a model)
EXIT_USAGE = 2  # bad command-line usage (argparse's own code)
EXIT_CONFIG = 3  # the configuration or a credential is wrong: fix it, then retry
EXIT_TEMPFAIL = 75  # locked or unreachable: retrying later may succeed (EX_TEMPFAIL)

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register a sub-command; its docstring becomes its --help."""

    def register(func: Command) -> Command:
        COMMANDS[name] = func
        return func

    return register


def _config(args: argparse.Namespace) -> Config:
    config = load_config(config_path(args.config))
    for warning in config.warnings:
        logger.warning("%s", warning)
    return config


# --- commands ---------------------------------------------------------------------------


@command("check-config")
def cmd_check_config(args: argparse.Namespace) -> int:
    """Validate the configuration and show what it means.

    Checks every key, the time zone, working hours and days, the holiday country, client
    addresses, and that every password source is set (without printing any password).

    Example:
      inboxwatch --config ~/.config/inboxwatch.toml check-config
    """
    from inboxwatch.credentials import resolve_password

    config = _config(args)
    print(f"config {config.path}: OK")
    print(f"database: {_safe_url(config.database_url)}")
    wt = config.me.working_time
    print(f"me: {', '.join(config.me.addresses)}; {wt.tz.key}, {wt.start:%H:%M}-{wt.end:%H:%M},"
          f" days {sorted(wt.days)}, holidays {wt.holidays_country or 'none'}")
    problems = 0
    for account in config.accounts:
        try:
            resolve_password(f"account {account.name!r}", account.password_env,
                             account.password_command, account.password_file)
            state = "password available"
        except CredentialError as exc:
            state, problems = f"PROBLEM: {exc}", problems + 1
        print(f"account {account.name}: {account.username}@{account.host}:{account.port} "
              f"({account.security}), folders {list(account.folders)}, sent "
              f"{account.sent_folder or '-'}; {state}")
    for client in config.clients:
        print(f"client {client.name}: {', '.join(client.addresses)}; "
              f"{client.monthly_revenue:g} {client.currency}/month")
    return EXIT_CONFIG if problems else EXIT_OK


@command("import")
def cmd_import(args: argparse.Namespace) -> int:
    """Import an mbox file (e.g. a Google Takeout export) or a Maildir folder.

    Every message is parsed, classified and stored once; importing the same export again
    stores nothing new.

    Example:
      inboxwatch import ~/Takeout/Mail/All\\ mail\\ Including\\ Spam\\ and\\ Trash.mbox
    """
    from inboxwatch.ingest.importer import import_export

    config = _config(args)
    store, ctx = _open_pipeline(config)
    try:
        for path in args.paths:
            print(import_export(Path(path).expanduser(), store, ctx).line())
    finally:
        store.close()
    return EXIT_OK


@command("poll")
def cmd_poll(args: argparse.Namespace) -> int:
    """Fetch new mail from every configured IMAP account (read-only) and store it.

    With --once, one pass over all accounts and folders, then exit. (The long-running
    service is `inboxwatch run`.) Accounts with allow_write = true then get the tags and
    reply suggestions as IMAP keywords ($iw_urgent, $iw_reply_later, ...).

    Example:
      INBOXWATCH_WORK_PASSWORD=... inboxwatch poll --once
    """
    from inboxwatch.ingest.sync import poll_all

    if not args.once:
        print("poll needs --once; to keep polling, run the service: inboxwatch run",
              file=sys.stderr)
        return EXIT_USAGE
    config = _config(args)
    if not config.accounts:
        raise ConfigError(f"{config.path}: no [[accounts]] configured; nothing to poll")
    store, ctx = _open_pipeline(config)
    _stop_on_signals()  # unwind like Ctrl-C, so the account lease is released
    try:
        reports = poll_all(config, store, ctx)
        failed = sum(report.error is not None for report in reports)
        for line in (line for report in reports for line in report.lines()):
            print(line)
        failed += _write_keywords(config, store, [r.account for r in reports if not r.error])
    finally:
        store.close()
    return EXIT_FAILURE if failed else EXIT_OK


def _write_keywords(config: Config, store: Store, synced: list[str]) -> int:
    """Keywords for the synced accounts with allow_write; the number that failed."""
    from inboxwatch.app.keywords import write_keywords
    from inboxwatch.ingest.sync import account_password

    failed = 0
    for account in config.accounts:
        if account.allow_write and account.name in synced:
            try:
                print(write_keywords(config, account, account_password(account), store).line())
            except InboxwatchError as exc:
                print(f"{account.name}: writing keywords failed: {exc}", file=sys.stderr)
                failed += 1
    return failed


@command("status")
def cmd_status(args: argparse.Namespace) -> int:
    """Show, per account and folder, what is stored and where the sync stands.

    Lists messages stored, messages kept raw because they could not be parsed (with the
    reason), the last UID seen and the UIDVALIDITY, and the clients whose mail is not stored
    because you ran `forget` (undo with `forget CLIENT --undo`).

    Example:
      inboxwatch status --format json
    """
    from inboxwatch.app.data_commands import status_command

    return status_command(_config(args), args.format, sys.stdout)


@command("forget")
def cmd_forget(args: argparse.Namespace) -> int:
    """Delete everything stored about one client, and stop storing their mail.

    Deletes their messages, raw bytes, corrections and score history. A message is the
    client's if it was assigned to them, or sent from or to one of their configured
    addresses (and any given with --address). Without --yes, only shows what would be
    deleted. The database is compacted afterwards, so on SQLite the deleted text leaves the
    file. Stop the service first (it is refused while the service runs).

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
        return unforget_command(_config(args), args.client, sys.stdout)
    return forget_command(_config(args), args.client, args.address, args.yes, sys.stdout)


@command("demo")
def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole pipeline on the bundled sample mailbox, into a local SQLite file.

    Imports data/sample/sample.mbox (six weeks of fictional client mail in English and
    Hungarian) with data/sample/demo.toml, and prints what was ingested and the report.
    No network, no configuration needed.

    Example:
      inboxwatch demo --db demo-out/inboxwatch-demo.db
    """
    from inboxwatch.app.demo import run_demo

    return run_demo(Path(args.db), sys.stdout)


@command("classify")
def cmd_classify(args: argparse.Namespace) -> int:
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
    models = Path(args.models) if args.models else _models_dir(config)
    return classify_stream(sys.stdin, sys.stdout, models, config)


@command("train")
def cmd_train(args: argparse.Namespace) -> int:
    """Rebuild the classifier from data/ (plus your corrections) and write models/.

    Corrections recorded with `inboxwatch label` are read from the configured database
    when a config is available, and win over the shipped examples.

    Example:
      inboxwatch train --data data/labelled --models models
    """
    from inboxwatch.app.classify_commands import train_command

    config = _optional_config(args)
    models = Path(args.models) if args.models else _models_dir(config)
    return train_command(Path(args.data), Path(args.real), models, config, sys.stdout)


@command("evaluate")
def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print per-tag precision, recall, F1 and false alarms, next to a keyword baseline.

    Two tables: the test split of the real mail in --real (mail nobody wrote for the
    project), then the held-out split of the written data in --data.

    Example:
      inboxwatch evaluate --data data/labelled --real data/real
    """
    from inboxwatch.classifying.training import evaluate

    config = _optional_config(args)
    models = Path(args.models) if args.models else _models_dir(config)
    reports = evaluate(Path(args.data), models, Path(args.real))
    print("\n\n".join(report.format_table() for report in reports))
    return EXIT_OK


@command("label")
def cmd_label(args: argparse.Namespace) -> int:
    """Correct one tag of a stored message; the next `inboxwatch train` learns from it.

    MESSAGE is the database id shown by reports, or the Message-ID header.

    Example:
      inboxwatch label 1234 --tag urgent --no
    """
    from inboxwatch.app.classify_commands import label_command

    config = _config(args)
    return label_command(config, args.message, args.tag, args.value, sys.stdout)


@command("reclassify")
def cmd_reclassify(args: argparse.Namespace) -> int:
    """Re-run the current model over every stored incoming message (after a retrain).

    Your corrections keep winning over the model.

    Example:
      inboxwatch train && inboxwatch reclassify
    """
    from inboxwatch.app.classify_commands import reclassify_command

    return reclassify_command(_config(args), sys.stdout)


@command("report")
def cmd_report(args: argparse.Namespace) -> int:
    """Show the client report: scores, warning signs with evidence, Pareto view, advice.

    --format text (default), json (the documented, stable schema) or html (the alert
    e-mail's page, charts inlined). --date picks the report day (default: today).
    --send also queues it as the alert e-mail and sends it now.

    Example:
      inboxwatch report --format json --date 2026-11-13
    """
    from inboxwatch.app.report_commands import report_command

    day = date.fromisoformat(args.date) if args.date else None
    return report_command(_config(args), args.format, day, args.send, sys.stdout)


@command("suggest")
def cmd_suggest(args: argparse.Namespace) -> int:
    """Suggest when to answer each recent unanswered client message, and why.

    Prompt answers for real urgency and complaints; working hours otherwise; deliberately
    not instantly for clients whose urgency is habitual.

    Example:
      inboxwatch suggest
    """
    from inboxwatch.app.report_commands import suggest_command

    return suggest_command(_config(args), sys.stdout)


@command("waiting")
def cmd_waiting(args: argparse.Namespace) -> int:
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

    return waiting_command(_config(args), args.format, sys.stdout)


@command("run")
def cmd_run(args: argparse.Namespace) -> int:
    """Run the service: poll (and IMAP IDLE), the daily report e-mail, retention.

    Stops cleanly on SIGTERM or Ctrl-C. Only one instance may run per database.

    Example:
      inboxwatch --log-format json run
    """
    from inboxwatch.app.service_commands import run_command

    return run_command(_config(args))


@command("health")
def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when the service is running and every account syncs, 1 otherwise.

    An account fails when its last successful sync is older than [health]
    max_sync_age_minutes (default: three poll intervals and five minutes); each failing
    account is named, with its last error. For Docker's HEALTHCHECK, systemd timers and
    monitoring checks.

    Example:
      inboxwatch health || systemctl restart inboxwatch
    """
    from inboxwatch.app.service_commands import health_command

    return health_command(_config(args), sys.stdout)


@command("metrics")
def cmd_metrics(args: argparse.Namespace) -> int:
    """Print Prometheus metrics: per account the last successful sync, messages ingested
    and login failures; the outbox (pending, failed) and the last report sent.

    `inboxwatch run` serves the same at http://HOST:PORT/metrics when the config has
    [metrics] listen = "127.0.0.1:9108".

    Example:
      inboxwatch metrics | grep last_success
    """
    from inboxwatch.app.service_commands import metrics_command

    return metrics_command(_config(args), sys.stdout)


# --- wiring -----------------------------------------------------------------------------


def _optional_config(args: argparse.Namespace) -> Config | None:
    path = config_path(args.config)
    if args.config is None and not path.exists():
        return None
    return _config(args)


def _models_dir(config: Config | None) -> Path:
    from inboxwatch.config import default_models_dir

    return config.models_dir if config is not None else default_models_dir()


def _open_pipeline(config: Config) -> tuple[Store, IngestContext]:
    """The store and the ingest context (with the classifier) for commands that ingest."""
    from inboxwatch.classifying.classifier import Classifier
    from inboxwatch.ingest.pipeline import IngestContext
    from inboxwatch.storage.store import Store

    classifier = Classifier.load(config.models_dir)
    store = Store.open(config.database_url)
    return store, IngestContext.from_config(config, classifier)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inboxwatch", description=__doc__.splitlines()[0] if __doc__ else None,
        epilog="Run `inboxwatch COMMAND --help` for a command's options and an example.")
    parser.add_argument("--version", action="version", version=f"inboxwatch {__version__}")
    parser.add_argument("--config", metavar="PATH",
                        help="config file (default: $INBOXWATCH_CONFIG, else ./inboxwatch.toml)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, func in COMMANDS.items():
        doc = func.__doc__ or ""
        child = sub.add_parser(name, help=doc.splitlines()[0], description=_dedent(doc),
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        _add_options(name, child)
    return parser


def _dedent(doc: str) -> str:
    import textwrap

    first, _, rest = doc.partition("\n")
    return first + "\n" + textwrap.dedent(rest)


def _add_options(name: str, parser: argparse.ArgumentParser) -> None:
    if name == "import":
        parser.add_argument("paths", nargs="+", metavar="PATH", help="mbox file or Maildir")
    elif name == "poll":
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
    elif name in ("status", "waiting"):
        parser.add_argument("--format", choices=("text", "json"), default="text")
    elif name == "demo":
        parser.add_argument("--db", default="demo-out/inboxwatch-demo.db",
                            help="SQLite file to create (default: %(default)s)")
    elif name in ("classify", "train", "evaluate"):
        parser.add_argument("--models", metavar="DIR", help="model folder (default: models/)")
        if name != "classify":
            parser.add_argument("--data", default="data/labelled", metavar="DIR",
                                help="labelled data folder (default: %(default)s)")
            parser.add_argument("--real", default="data/real", metavar="DIR",
                                help="labelled real mail (default: %(default)s)")
    elif name == "report":
        parser.add_argument("--format", choices=("text", "json", "html"), default="text")
        parser.add_argument("--date", metavar="YYYY-MM-DD", type=_iso_date,
                            help="report day (default: today)")
        parser.add_argument("--send", action="store_true", help="also send the alert e-mail")
    elif name == "forget":
        parser.add_argument("client", metavar="CLIENT", help="the client's name, as in the config")
        parser.add_argument("--address", action="append", default=[], metavar="ADDRESS",
                            help="another address (boss@acme.example) or domain (@acme.example)"
                                 " of theirs; repeatable")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--yes", action="store_true", help="delete (default: only show)")
        action.add_argument("--undo", action="store_true",
                            help="store the client's new mail again (deleted mail stays "
                                 "deleted)")
    elif name == "label":
        parser.add_argument("message", metavar="MESSAGE", help="database id or Message-ID")
        parser.add_argument("--tag", required=True, choices=("urgent", "vague", "complaint"))
        value = parser.add_mutually_exclusive_group(required=True)
        value.add_argument("--yes", dest="value", action="store_true", help="the tag applies")
        value.add_argument("--no", dest="value", action="store_false", help="it does not")


def _iso_date(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-11-13, got {text!r}"
                                         ) from exc
    return text


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
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose, args.log_format)
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, CredentialError) as exc:
        print(f"inboxwatch: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except LockError as exc:
        print(f"inboxwatch: {exc}", file=sys.stderr)
        return EXIT_TEMPFAIL
    except SourceError as exc:
        print(f"inboxwatch: {exc}", file=sys.stderr)
        return EXIT_TEMPFAIL
    except InboxwatchError as exc:
        print(f"inboxwatch: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("inboxwatch: interrupted", file=sys.stderr)
        return 130
    except Terminated as exc:
        print(f"inboxwatch: stopped by {signal.Signals(exc.signum).name}", file=sys.stderr)
        return 128 + exc.signum


if __name__ == "__main__":
    sys.exit(main())
