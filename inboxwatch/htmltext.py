"""Turn an HTML mail body into plain text that ``cleaning`` can work on.

Block elements become line breaks, list items become ``- `` lines, and quoted material is
prefixed with ``> `` so that it is stripped like a plain-text quote: ``<blockquote>``,
Gmail's ``<div class="gmail_quote">``, Yahoo's ``yahoo_quoted``, and everything from
Outlook's ``<div id="appendonsend">`` / ``<div id="divRplyFwdMsg">`` to the end of the
document (Outlook does not nest the old message inside those markers). Scripts, styles,
the head and comments are dropped; entities are decoded by the standard parser.

Input is capped at ``MAX_HTML_CHARS`` and the element stack at ``MAX_DEPTH``, so time and
memory stay bounded on hostile input.
"""

from __future__ import annotations

import logging
import re
from html import unescape
from html.parser import HTMLParser
from typing import Final

__all__ = ["MAX_DEPTH", "MAX_HTML_CHARS", "html_to_text"]

logger = logging.getLogger(__name__)

MAX_HTML_CHARS: Final = 2_000_000
MAX_DEPTH: Final = 256

_SKIPPED: Final = frozenset({"script", "style", "head", "title", "template", "noscript", "svg"})
_VOID: Final = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)
_PARAGRAPH_BLOCKS: Final = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "blockquote", "pre",
     "hr", "address", "figure", "fieldset"}
)
_LINE_BLOCKS: Final = frozenset(
    {"div", "li", "tr", "dt", "dd", "section", "article", "header", "footer", "nav", "aside",
     "main", "center", "form", "figcaption", "caption", "tbody", "thead", "tfoot", "body"}
)
_CELLS: Final = frozenset({"td", "th"})
_QUOTE_CLASSES: Final = frozenset({"gmail_quote", "yahoo_quoted"})
# Outlook puts the old message *after* these markers, as siblings: quote the rest.
_QUOTE_REST_IDS: Final = frozenset({"appendonsend", "divrplyfwdmsg"})
_SPACE_RE: Final = re.compile(r"[ \t\n\r\f\v\xa0\u200b]+")
_TAG_RE: Final = re.compile(r"<[^<>]*>")
_BLANK_RUN_RE: Final = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Return readable plain text for an HTML body, with quoted parts prefixed by ``> ``.

    Never raises on malformed HTML: if the parser gives up, tags are stripped crudely.
    """
    html = html[:MAX_HTML_CHARS]
    converter = _TextConverter()
    try:
        converter.feed(html)
        converter.close()
    except (AssertionError, ValueError, IndexError) as exc:  # malformed markup
        logger.debug("HTML parser gave up (%s); stripping tags instead", type(exc).__name__)
        return _strip_tags(html)
    return converter.text()


def _strip_tags(html: str) -> str:
    """Crude fallback: remove anything tag-shaped and normalise whitespace."""
    text = unescape(_TAG_RE.sub(" ", html))
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_RUN_RE.sub("\n\n", "\n".join(lines)).strip()


class _TextConverter(HTMLParser):
    """Collects text line by line while tracking quote, skip and preformatted context."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._current: list[str] = []
        self._current_quoted = False
        self._current_has_text = False
        self._stack: list[tuple[str, bool]] = []  # (tag, opens a quote)
        self._overflow = 0
        self._quote_depth = 0
        self._quote_rest = False
        self._skip_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an element: update context and emit its line break or list marker."""
        if tag in _VOID:
            self._void_element(tag, attrs)
            return
        opens_quote = self._opens_quote(tag, attrs)
        if len(self._stack) >= MAX_DEPTH:
            self._overflow += 1
        else:
            self._stack.append((tag, opens_quote))
            self._enter(tag, opens_quote)
        self._block_break(tag)
        if tag == "li" and not self._skip_depth:
            self._current.append("- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A self-closed element such as ``<br/>``: no context change."""
        if tag in _VOID:
            self._void_element(tag, attrs)
        else:
            self._opens_quote(tag, attrs)
            self._block_break(tag)

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost open *tag* and everything opened inside it."""
        if self._overflow:
            self._overflow -= 1
            return
        if not any(open_tag == tag for open_tag, _ in self._stack):
            return
        while self._stack:
            open_tag, opened_quote = self._stack.pop()
            self._leave(open_tag, opened_quote)
            if open_tag == tag:
                break
        self._block_break(tag)

    def handle_data(self, data: str) -> None:
        """Add text to the current line (verbatim inside ``<pre>``)."""
        if self._skip_depth or not data:
            return
        if self._pre_depth:
            first, *rest = data.split("\n")
            self._add_text(first)
            for line in rest:
                self._newline()
                self._add_text(line)
        else:
            self._add_text(_SPACE_RE.sub(" ", data))

    def text(self) -> str:
        """The collected text, with runs of blank lines collapsed."""
        self._newline()
        return _BLANK_RUN_RE.sub("\n\n", "\n".join(self._lines)).strip()

    def _opens_quote(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        """True if the element starts quoted material; may switch on quote-the-rest mode."""
        if tag == "blockquote":
            return True
        for name, value in attrs:
            if not value:
                continue
            if name == "id" and value.lower() in _QUOTE_REST_IDS:
                self._newline()
                self._quote_rest = True
            elif name == "class" and _QUOTE_CLASSES.intersection(value.split()):
                return True
        return False

    def _void_element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """``<br>`` breaks the line, ``<hr>`` the paragraph; others only matter for ids."""
        self._opens_quote(tag, attrs)
        if tag == "br":
            self._newline(force=True)
        elif tag == "hr":
            self._block_break(tag)

    def _enter(self, tag: str, opens_quote: bool) -> None:
        """Update context counters when an element opens."""
        if tag in _SKIPPED:
            self._skip_depth += 1
        if tag == "pre":
            self._pre_depth += 1
        if opens_quote:
            self._quote_depth += 1

    def _leave(self, tag: str, opened_quote: bool) -> None:
        """Update context counters when an element closes."""
        if tag in _SKIPPED:
            self._skip_depth -= 1
        if tag == "pre":
            self._newline()  # flush while still verbatim
            self._pre_depth -= 1
        if opened_quote:
            self._newline()
            self._quote_depth -= 1

    def _block_break(self, tag: str) -> None:
        """Emit the line or paragraph break that a block element implies."""
        if tag in _PARAGRAPH_BLOCKS:
            self._newline()
            self._blank_line()
        elif tag in _LINE_BLOCKS:
            self._newline()
        elif tag in _CELLS:
            self._add_text(" ")

    def _add_text(self, text: str) -> None:
        """Append *text* to the current line, remembering whether the line is quoted."""
        if not text:
            return
        if not self._current_has_text and text.strip():
            self._current_has_text = True
            self._current_quoted = self._quote_depth > 0 or self._quote_rest
        self._current.append(text)

    def _newline(self, force: bool = False) -> None:
        """Finish the current line; an empty line is only emitted when *force* is set."""
        line = "".join(self._current)
        if not self._pre_depth:
            line = _SPACE_RE.sub(" ", line).strip()
        self._current = []
        self._current_has_text = False
        if line == "-":  # an empty list item
            line = ""
        if not line and not force:
            return
        quoted = self._current_quoted or self._quote_depth > 0 or self._quote_rest
        self._lines.append(f"> {line}" if quoted and line else line)
        self._current_quoted = False

    def _blank_line(self) -> None:
        """Ensure the output ends with one blank line (paragraph separation)."""
        if self._lines and self._lines[-1] != "":
            self._lines.append("")
