"""Reading address lists as mail platforms and spreadsheets write them, streaming.

`layout_detect` looks at the first 64 KiB only: the encoding (a BOM, UTF-16 without one,
UTF-8, else Windows-1252), the delimiter (comma, semicolon, tab, pipe; Excel's `sep=` line),
whether the first row is a header, and which column holds the addresses: by its header
in many languages and platforms' spellings, by the uploader's choice, or by its content
(addresses, phone numbers or SHA-256 hashes). `rows_read` then streams the whole file
through Python's csv module, one row at a time, whatever its size.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SAMPLE_BYTES = 64 * 1024
SAMPLE_ROWS = 200
# A field longer than this is no address; csv's own limit (128 KiB) would raise instead.
csv.field_size_limit(1 << 20)


class RefusedFile(ValueError):
    """The file as a whole cannot be read as a list of addresses; the message says why."""


EMAIL, PHONE, SHA256 = "email", "phone", "sha256"


@dataclass(frozen=True)
class Layout:
    encoding: str
    delimiter: str
    has_header: bool
    column: int
    column_name: str  # the header's text, or "column N" for a file without a header
    kind: str  # EMAIL, PHONE or SHA256
    skip_lines: int = 0  # an Excel `sep=;` line before the header


# --------------------------------------------------------------------------- encoding
def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # Bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as Latin-1.
    return error.object[error.start : error.end].decode("latin-1"), error.end


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # A UTF-8 file with a stray Windows-1252 byte past the sample (lists get concatenated).
    return error.object[error.start : error.end].decode("cp1252", errors="address-latin1"), error.end


codecs.register_error("address-latin1", _latin1_fallback)
codecs.register_error("address-cp1252", _cp1252_fallback)

ERRORS_FOR = {"utf-8": "address-cp1252", "utf-8-sig": "address-cp1252", "cp1252": "address-latin1"}

_SIGNATURES = {
    b"PK\x03\x04": gettext_lazy("a zip archive or an Excel workbook (.xlsx): save it as CSV first"),
    b"\xd0\xcf\x11\xe0": gettext_lazy("an Excel 97-2003 workbook (.xls): save it as CSV first"),
    b"%PDF": gettext_lazy("a PDF document"),
    b"\x1f\x8b": gettext_lazy("a gzip archive"),
    b"\x89PNG": gettext_lazy("an image"),
    b"\xff\xd8\xff": gettext_lazy("an image"),
}
# Text that is not a table: read as CSV, its first line would pass for a header naming no rows.
_TEXT_SIGNATURES = (
    (re.compile(r"\A\s*[\[{]\s*[\"{\[]"), gettext_lazy("a JSON document")),
    (re.compile(r"\A\s*<(\?xml|!doctype|html)", re.IGNORECASE), gettext_lazy("an XML or HTML document")),
)
# How much of a file's first line a refusal quotes: a header is a few short names.
LISTED_COLUMNS = 20
LISTED_NAME_LENGTH = 40


def _not_csv(what) -> RefusedFile:
    return RefusedFile(_("This file is %(what)s, not a CSV text file.") % {"what": what})


def _columns_listed(cells: list[str]) -> str:
    """The first row's cells as a refusal names them: a few, each cut short."""
    names = [cell.strip() for cell in cells[:LISTED_COLUMNS]]
    listed = ", ".join(
        name if len(name) <= LISTED_NAME_LENGTH else name[: LISTED_NAME_LENGTH - 1] + "…" for name in names
    )
    if len(cells) > LISTED_COLUMNS:
        listed += " " + _("… (%(count)d in all)") % {"count": len(cells)}
    return listed


def encoding_detect(sample: bytes) -> str:
    """The encoding to read the file with. Raises RefusedFile for a file that is not text."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the BOM and its byte order
    for signature, what in _SIGNATURES.items():
        if sample.startswith(signature):
            raise _not_csv(what)
    if len(sample) >= 4 and b"\x00" in sample:
        # UTF-16 without a BOM: ASCII text has a zero in every other byte.
        even, odd = sample[0::2], sample[1::2]
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        raise RefusedFile(_("This file is not text (it holds binary data); upload a CSV file."))
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 13, 12))
    if controls > max(2, len(sample) // 100):
        raise RefusedFile(_("This file is not text (it holds binary data); upload a CSV file."))
    # A sample may end inside a multi-byte character: allow up to three bytes cut off.
    for cut in range(4):
        try:
            sample[: len(sample) - cut].decode("utf-8")
            return "utf-8"
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - cut - 3:
                break
    return "cp1252"


# --------------------------------------------------------------------------- delimiter
_DELIMITERS = (",", ";", "\t", "|")
_SEP_LINE = re.compile(r"\A\s*sep=(.)\s*\Z", re.IGNORECASE)


def _complete_lines(text: str, *, whole_file: bool) -> list[str]:
    lines = text.splitlines()
    # A sample's last line may be cut short; a whole file's is complete.
    return lines[:-1] if len(lines) > 1 and not whole_file else lines


def delimiter_detect(lines: list[str]) -> str:
    """The delimiter that splits the sample's rows into the same number (> 1) of fields most often."""
    best, best_score = ",", 0.0
    for delimiter in _DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        if not counts:
            continue
        width, frequency = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = frequency / len(counts) + width / 1000  # consistency first, then more columns
        if score > best_score:
            best, best_score = delimiter, score
    return best


# --------------------------------------------------------------------------- the address column
def header_key(text: str) -> str:
    """A header in comparable form: accents and punctuation gone, lower case
    ("Adresse e-mail" -> "adresseemail", "E-postadress" -> "epostadress")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)).lower()


# Exact header names, in comparable form: English, Swedish, French, German, Spanish,
# Italian, Dutch, Danish/Norwegian, Finnish, Portuguese, and mail platforms' spellings.
EMAIL_HEADERS = {
    "email", "emails", "mail", "emailaddress", "emailaddresses", "mailaddress", "emailadress", "emailaddr",
    "eaddress", "primaryemail", "workemail", "contactemail", "subscriberemail", "recipientemail", "recipient",
    "recipientaddress", "destination", "destinationemail", "useremail", "customeremail", "emailid", "email1",
    "emailaddress1", "epost", "epostadress", "epostadresse", "epostadresser", "mejl", "mejladress", "mailadress",
    "courriel", "adressecourriel", "adressedecourriel", "adresseemail", "adressemail", "adresseelectronique",
    "adressemel", "mel", "emailadresse", "mailadresse", "correo", "correoelectronico", "direccionemail",
    "direcciondecorreo", "direcciondecorreoelectronico", "indirizzoemail", "posta", "postaelettronica",
    "emailadres", "sahkoposti", "sahkopostiosoite", "enderecodeemail", "channelsemailaddress",
}  # fmt: skip
PHONE_HEADERS = {
    "phone", "phonenumber", "phones", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone", "telephone",
    "tel", "telefon", "telefonnummer", "mobil", "mobilnummer", "mobiltelefon", "telephoneportable", "portable",
    "numerodetelephone", "sms", "smsnumber", "msisdn", "phonee164", "telefono", "cellulare", "puhelin",
    "puhelinnumero", "handy",
}  # fmt: skip
SHA256_HEADERS = {
    "sha256", "emailsha256", "sha256email", "hashedemail", "emailhash", "hash", "sha256hash", "hashedemailsha256",
    "emailhashsha256", "sha256emailaddress", "emailaddresssha256",
}  # fmt: skip

_HEX64 = re.compile(r"\A[0-9a-fA-F]{64}\Z")
_EMAIL_LIKE = re.compile(r"\A[^@\s]+@[^@\s]+\.[^@\s]+\Z")
_PHONE_LIKE = re.compile(r"\A\+?[\d\s().-]{6,20}\Z")


def address_value(raw: str) -> str:
    """The address in a cell as people write them: `Name <a@b.se>`, `mailto:a@b.se`, quotes."""
    value = (raw or "").strip().strip("'\"").strip()
    if value.endswith(">") and "<" in value:
        value = value[value.rindex("<") + 1 : -1].strip()
    if value[:7].lower() == "mailto:":
        value = value[7:].strip()
    return value


def _kind_of(value: str) -> str | None:
    value = address_value(value)
    if _EMAIL_LIKE.match(value):
        return EMAIL
    if _HEX64.match(value):
        return SHA256
    if _PHONE_LIKE.match(value) and sum(ch.isdigit() for ch in value) >= 6:
        return PHONE
    return None


def _header_kind(text: str) -> tuple[str | None, int]:
    """(kind, strength): 2 for a known name, 1 for a name that mentions one."""
    key = header_key(text)
    if key in EMAIL_HEADERS:
        return EMAIL, 2
    if key in SHA256_HEADERS:
        return SHA256, 2
    if key in PHONE_HEADERS:
        return PHONE, 2
    if "sha256" in key or ("hash" in key and "mail" in key):
        return SHA256, 1
    if any(word in key for word in ("email", "mail", "courriel", "epost", "correo")):
        return EMAIL, 1
    if any(word in key for word in ("phone", "mobil", "telefon", "telephone")):
        return PHONE, 1
    return None, 0


def _column_content(rows: list[list[str]], column: int) -> Counter:
    return Counter(_kind_of(row[column]) if column < len(row) else None for row in rows if any(row))


def layout_detect(sample: bytes, *, column_name: str = "", kind: str = "") -> Layout:
    """Where the addresses are in a file, judged by its first bytes. Raises RefusedFile."""
    if not sample.strip():
        raise RefusedFile(_("The file is empty."))
    encoding = encoding_detect(sample)
    text = sample.decode(encoding, errors=ERRORS_FOR.get(encoding, "replace"))
    for pattern, what in _TEXT_SIGNATURES:
        if pattern.match(text.lstrip("\ufeff")):
            raise _not_csv(what)
    lines = _complete_lines(text.lstrip("\ufeff"), whole_file=len(sample) < SAMPLE_BYTES)
    skip = 0
    sep = _SEP_LINE.match(lines[0]) if lines else None
    if sep:
        delimiter, skip, lines = sep.group(1), 1, lines[1:]
    else:
        delimiter = delimiter_detect(lines[:SAMPLE_ROWS])
    rows = [
        row for row in csv.reader(lines[: SAMPLE_ROWS + 1], delimiter=delimiter) if any(cell.strip() for cell in row)
    ]
    if not rows:
        raise RefusedFile(_("The file holds no rows."))
    first, data = rows[0], rows[1:]
    first_kinds = [_kind_of(cell) for cell in first]
    has_header = not any(first_kinds)  # a row holding an address is data, not a header
    body = data if has_header else rows

    def layout(column: int, found_kind: str) -> Layout:
        name = first[column].strip() if has_header else _("column %(number)d") % {"number": column + 1}
        return Layout(encoding, delimiter, has_header, column, name, found_kind, skip)

    def content_kind(column: int) -> str | None:
        counts = _column_content(body, column)
        counts.pop(None, None)
        return counts.most_common(1)[0][0] if counts else None

    if column_name:
        wanted = header_key(column_name)
        matches = [index for index, cell in enumerate(first) if header_key(cell) == wanted] if has_header else []
        if not matches:
            raise RefusedFile(
                _("There is no column named “%(name)s”. The file's columns: %(columns)s.")
                % {"name": column_name, "columns": _columns_listed(first) if has_header else "—"}
            )
        column = matches[0]
        return layout(column, kind or _header_kind(first[column])[0] or content_kind(column) or EMAIL)

    if has_header:
        named = []
        for index, cell in enumerate(first):
            found_kind, strength = _header_kind(cell)
            if kind and found_kind != kind:
                continue
            if found_kind:
                hits = _column_content(body, index)[found_kind]
                named.append((strength, hits, -index, found_kind))
        if named:
            # A known name beats a partial one; then the column whose values look the part;
            # email before hashes before phones on a tie (an export with all three).
            order = {EMAIL: 2, SHA256: 1, PHONE: 0}
            strength, hits, index, found_kind = max(
                named, key=lambda n: (n[1] > 0 or not body, n[0], order[n[3]], n[1])
            )
            return layout(-index, found_kind)
    # No header, or a header naming no address column: the column whose values are addresses.
    best = None
    for index in range(max(len(row) for row in rows)):
        counts = _column_content(body, index)
        total = sum(counts.values()) or 1
        for found_kind in (EMAIL, SHA256) + ((PHONE,) if kind == PHONE else ()):
            if kind and found_kind != kind:
                continue
            share = counts[found_kind] / total
            if share >= 0.5 and (best is None or share > best[0]):
                best = (share, index, found_kind)
    if best is not None:
        return layout(best[1], best[2])
    columns = _columns_listed(first)
    raise RefusedFile(
        _(
            "No column of email addresses, phone numbers or SHA-256 hashes found (columns: %(columns)s). "
            "Name the column when uploading."
        )
        % {"columns": columns}
    )


# --------------------------------------------------------------------------- streaming
class CountingReader(io.RawIOBase):
    """Counts the bytes read from a binary file, for the progress bar."""

    def __init__(self, raw):
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.bytes_read += len(data)
        return len(data)


def rows_read(binary, layout: Layout) -> Iterator[tuple[int, list[str]]]:
    """(line number of the row's first line, the row) for every non-blank row of the file
    after the header, read from `binary` a buffer at a time. `binary` stays open."""
    if not isinstance(binary, CountingReader):
        binary = CountingReader(binary)  # closing the wrappers must not close the caller's file
    text = io.TextIOWrapper(
        io.BufferedReader(binary, buffer_size=1 << 20),
        encoding=layout.encoding,
        errors=ERRORS_FOR.get(layout.encoding, "replace"),
        newline="",
    )
    reader = csv.reader(text, delimiter=layout.delimiter)
    skip = layout.skip_lines + (1 if layout.has_header else 0)
    line = 0
    for row in reader:
        start, line = line + 1, reader.line_num
        if not row or not any(row):
            continue  # blank lines are layout, not rows
        if skip:
            skip -= 1
            continue
        yield start, row
