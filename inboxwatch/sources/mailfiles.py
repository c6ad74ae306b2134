"""Read mail exports (mbox, e.g. a Google Takeout file, and Maildir) as a stream of raw messages.

Messages are yielded one at a time, so an export of any size is read in constant memory.
Each is keyed by its content: re-importing the same export stores nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from inboxwatch.errors import ExportError

logger = logging.getLogger(__name__)

IMPORT_ACCOUNT = "import"
MAX_MESSAGE_BYTES = 100_000_000


def export_folder_name(path: Path) -> str:
    """The folder name an export's messages are stored under."""
    return path.resolve().name or "export"


def uid_for_content(raw_sha256: str) -> int:
    """A stable 60-bit UID from a content hash, so imported messages key by their content."""
    return int(raw_sha256[:15], 16)


def iter_export(path: Path) -> Iterator[bytes]:
    """Yield every message of the mbox file or Maildir folder at *path* as raw bytes."""
    if path.is_dir():
        yield from _iter_maildir(path)
    elif path.is_file():
        yield from _iter_mbox(path)
    else:
        raise ExportError(f"{path}: no such file or folder (expected an mbox file or a Maildir)")


def _iter_maildir(root: Path) -> Iterator[bytes]:
    subfolders = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("."))
    folders = [root, *subfolders]
    found = False
    for folder in folders:
        for sub in ("cur", "new"):
            box = folder / sub
            if not box.is_dir():
                continue
            found = True
            for item in sorted(box.iterdir()):
                yield _read_file(item)
    if not found:
        raise ExportError(f"{root}: not a Maildir (no cur/ or new/ folder inside)")


def _read_file(item: Path) -> bytes:
    try:
        return item.read_bytes()
    except OSError as exc:
        raise ExportError(f"{item}: cannot read: {exc.strerror}") from exc


def _iter_mbox(path: Path) -> Iterator[bytes]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ExportError(f"{path}: cannot read: {exc.strerror}") from exc
    with handle:
        first = handle.readline()
        if first and not first.startswith(b"From "):
            raise ExportError(f"{path}: not an mbox file (it does not start with a 'From ' line)")
        yield from _split_mbox(handle)


def _split_mbox(handle: Iterator[bytes]) -> Iterator[bytes]:
    """Split an mbox stream (after its first 'From ' line) into messages (mboxrd unquoting)."""
    lines: list[bytes] = []
    size = 0
    previous_blank = False
    for line in handle:
        if line.startswith(b"From ") and previous_blank:
            yield _finish(lines)
            lines, size = [], 0
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
            line = line[1:]
        size += len(line)
        if size <= MAX_MESSAGE_BYTES:
            lines.append(line)
    if lines:
        yield _finish(lines)


def _finish(lines: list[bytes]) -> bytes:
    # the blank line before the next "From " separator belongs to the mbox, not the message
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]
    return b"".join(lines)
