"""`{{ text|policy_html }}`: a policy body, written in a small Markdown subset, as safe HTML.

The text is escaped first, so nothing in it can inject markup; then blank-line
separated paragraphs, ``## `` headings (``#`` to ``####``), ``- `` list items,
``**bold**`` and ``| a | b |`` tables become HTML. No other syntax is recognised."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_HEADING = re.compile(r"^(#{1,4})\s+(.+)$")
_BULLET = re.compile(r"^[-*]\s+(.+)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", escape(text.strip()))


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _table(rows: list[str]) -> str:
    head: list[str] = []
    if len(rows) > 1 and _TABLE_RULE.match(rows[1].strip()):
        head, rows = _cells(rows[0]), rows[2:]
    html = ['<table class="policy-table">']
    if head:
        html.append("<thead><tr>" + "".join(f'<th scope="col">{_inline(c)}</th>' for c in head) + "</tr></thead>")
    html.append("<tbody>")
    html.extend("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in _cells(row)) + "</tr>" for row in rows)
    html.append("</tbody></table>")
    return "".join(html)


def render_policy_text(text: str) -> SafeString:
    """The body as HTML; headings start at <h2> (the page's <h1> is the title)."""
    html: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    table: list[str] = []

    def flush() -> None:
        if paragraph:
            html.append("<p>" + " ".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()
        if items:
            html.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
            items.clear()
        if table:
            html.append(_table(table))
            table.clear()

    for line in (text or "").splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
        elif heading := _HEADING.match(stripped):
            flush()
            level = max(2, len(heading.group(1)))
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif stripped.startswith("|"):
            if paragraph or items:
                flush()
            table.append(stripped)
        elif bullet := _BULLET.match(stripped):
            if paragraph or table:
                flush()
            items.append(bullet.group(1))
        elif items and line[:1].isspace():
            # An indented line continues the list item above it.
            items[-1] += " " + stripped
        else:
            if items or table:
                flush()
            paragraph.append(stripped)
    flush()
    return mark_safe("\n".join(html))  # noqa: S308 - every piece of text above went through escape()


@register.filter(name="policy_html")
def policy_html(text: str) -> SafeString:
    return render_policy_text(text)


@register.filter(name="policy_line_html")
def policy_line_html(line: str) -> SafeString:
    """One line of a diff as a reader sees it: a heading, list item, paragraph or table row
    rendered as in the full text; a table's header rule, which a reader never sees, as nothing."""
    if _TABLE_RULE.match((line or "").strip()):
        return mark_safe("")  # noqa: S308 - a constant
    return render_policy_text(line)
