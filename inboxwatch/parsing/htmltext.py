"""Turn an HTML mail body into plain text that ``cleaning`` can work on.

Block elements become line breaks, list items become ``- `` lines, and quoted material is
prefixed with ``> `` so that it is stripped like a plain-text quote: ``<blockquote>``,
Gmail's ``<div class="gmail_quote">``, Yahoo's ``yahoo_quoted``, and everything from
Outlook's ``<div id="appendonsend">`` / ``<div id="divRplyFwdMsg">`` to the end of the
document (Outlook does not nest the old message inside those markers). Scripts, styles,
the head and comments are dropped; entities are decoded.

Input is capped at ``MAX_HTML_CHARS`` and the element stack at ``MAX_DEPTH``, so time and
memory stay bounded on hostile input.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Final

__all__ = ["MAX_DEPTH", "MAX_HTML_CHARS", "html_to_text"]

MAX_HTML_CHARS: Final = 2_000_000
MAX_DEPTH: Final = 256

_SKIPPED: Final = frozenset({"script", "style", "head", "title", "template", "noscript", "svg"})
_VOID: Final = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
_PARAGRAPH_BLOCKS: Final = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "table",
        "blockquote",
        "pre",
        "hr",
        "address",
        "figure",
        "fieldset",
    }
)
_LINE_BLOCKS: Final = frozenset(
    {
        "div",
        "li",
        "tr",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "center",
        "form",
        "figcaption",
        "caption",
        "tbody",
        "thead",
        "tfoot",
        "body",
    }
)
_CELLS: Final = frozenset({"td", "th"})
_QUOTE_CLASSES: Final = frozenset({"gmail_quote", "yahoo_quoted"})
# Outlook puts the old message *after* these markers, as siblings: quote the rest.
_QUOTE_REST_IDS: Final = frozenset({"appendonsend", "divrplyfwdmsg"})
_BLANK_RUN_RE: Final = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Return readable plain text for an HTML body, with quoted parts prefixed by ``> ``.

    Never raises on malformed HTML; time is linear in the (capped) input.
    """
    html = html[:MAX_HTML_CHARS]
    converter = _TextConverter()
    pos = 0
    while (match := _TOKEN_RE.search(html, pos)) is not None:
        if match.start() > pos:
            converter.handle_data(html[pos : match.start()])
        pos = _handle_markup(converter, html, match)
    if pos < len(html):
        converter.handle_data(html[pos:])
    return converter.text()


# The standard html.parser rescans unfinished constructs ("<a<a<a...") and goes quadratic on
# hostile input, so tokenizing is done here with one regex whose tag part cannot run past
# the next "<": a failed match costs at most the distance to it, keeping the total linear.
_TOKEN_RE: Final = re.compile(r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9:-]{0,40})([^<>]*)>|[!?][^<>]*>)")
_ATTR_RE: Final = re.compile(
    r"(?:^|[\s\"'/])(class|id)\s*=\s*(?:\"([^\"]{0,300})|'([^']{0,300})|([^\s\"'>]{1,300}))",
    re.IGNORECASE,
)
_RAW_TEXT_END: Final = {
    "script": re.compile(r"</script\s*>", re.IGNORECASE),
    "style": re.compile(r"</style\s*>", re.IGNORECASE),
}


def _handle_markup(converter: _TextConverter, html: str, match: re.Match[str]) -> int:
    """Feed one comment, tag or declaration to *converter*; return the position after it."""
    if match.group(1):  # comment: runs to "-->" (or to the end, as in browsers)
        end = html.find("-->", match.start() + 4)
        return len(html) if end < 0 else end + 3
    name = match.group(3)
    if name is None:  # doctype, CDATA or processing instruction
        return match.end()
    name = name.lower()
    if match.group(2):
        converter.handle_endtag(name)
        return match.end()
    attributes = match.group(4)
    attrs = _attributes(attributes)
    if attributes.endswith("/"):
        converter.handle_startendtag(name, attrs)
        return match.end()
    converter.handle_starttag(name, attrs)
    if name in _RAW_TEXT_END:  # script/style content is not markup: skip to its end tag
        closing = _RAW_TEXT_END[name].search(html, match.end())
        converter.handle_endtag(name)
        return len(html) if closing is None else closing.end()
    return match.end()


def _attributes(text: str) -> list[tuple[str, str | None]]:
    """The ``class`` and ``id`` attributes of a tag (the only ones the converter uses)."""
    if "=" not in text:
        return []
    return [
        (match.group(1).lower(), unescape(next(v for v in match.groups()[1:] if v is not None)))
        for match in _ATTR_RE.finditer(text)
    ]


def _collapse_spaces(text: str) -> str:
    """Runs of whitespace (and zero-width spaces) become one space; edges are kept as one."""
    if "\u200b" in text:
        text = text.replace("\u200b", " ")
    words = text.split()
    if not words:
        return " "
    collapsed = " ".join(words)
    if text[0].isspace():
        collapsed = " " + collapsed
    if text[-1].isspace():
        collapsed += " "
    return collapsed


class _TextConverter:
    """Collects text line by line while tracking quote, skip and preformatted context."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._current: list[str] = []
        self._current_quoted = False
        self._current_has_text = False
        self._stack: list[tuple[str, bool]] = []  # (tag, opens a quote)
        self._open_counts: dict[str, int] = {}  # tag -> how many are on the stack
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
        if tag == "body":
            self.handle_endtag("head")  # an unclosed <head> must not hide the body
        opens_quote = self._opens_quote(tag, attrs)
        if len(self._stack) >= MAX_DEPTH:
            self._overflow += 1
        else:
            self._stack.append((tag, opens_quote))
            self._open_counts[tag] = self._open_counts.get(tag, 0) + 1
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
        if not self._open_counts.get(tag):
            return
        while self._stack:
            open_tag, opened_quote = self._stack.pop()
            self._open_counts[open_tag] -= 1
            self._leave(open_tag, opened_quote)
            if open_tag == tag:
                break
        self._block_break(tag)

    def handle_data(self, data: str) -> None:
        """Add text to the current line (verbatim inside ``<pre>``)."""
        if self._skip_depth or not data:
            return
        if "&" in data:
            data = unescape(data)
        if self._pre_depth:
            first, *rest = data.split("\n")
            self._add_text(first)
            for line in rest:
                self._newline()
                self._add_text(line)
        else:
            self._add_text(_collapse_spaces(data))

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
            line = " ".join(line.split())
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
