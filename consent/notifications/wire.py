"""An outbox row as the bytes an SMTP server receives, and one message over an open session.

Building: Django's EmailMessage builds and flattens a whole MIME tree per message (header
folding, a boundary checked by a regex compiled per message …), which was about half of a
worker's time per email. An outbox row is always the same shape, a multipart/alternative
of a UTF-8 text and HTML body, so it is written out directly as Django would write it;
a body Django would encode otherwise (a line over 998 characters: quoted-printable) is
left to Django.

Sending: where the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in one
write, so a message costs two round trips instead of smtplib's four. Errors are raised as
smtplib.sendmail raises them, so retries and permanent failures are judged alike."""

import re
import secrets
import smtplib
from dataclasses import dataclass
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import forbid_multi_line_headers, sanitize_address

# RFC 5322's limit: Django sends a body with a longer line quoted-printable.
LINE_LENGTH_LIMIT = 998
_LEADING_DOT = re.compile(rb"(?m)^\.")
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class WireMessage:
    sender: str
    recipient: str
    content: bytes


def _header(name: str, value: str) -> str:
    name, value = forbid_multi_line_headers(name, value, settings.DEFAULT_CHARSET)
    # A non-ASCII (or long) value comes back encoded, and folded with bare LFs.
    return f"{name}: {value}\r\n".replace("\n ", "\r\n ")


def _text_part(text: str, subtype: str) -> str | None:
    """A text part as Django writes it (UTF-8, 7bit or 8bit), or None where Django would
    encode it otherwise (a line too long)."""
    lines = _LINE_END.split(text)
    if any(len(line.encode()) > LINE_LENGTH_LIMIT for line in lines):
        return None
    encoding = "7bit" if text.isascii() else "8bit"
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n" + "\r\n".join(lines)
    )


def _content(subject_line: str, from_address: str, body_text: str, body_html: str) -> bytes:
    """Every header but the row's own, a blank line and the body: a multipart/alternative
    of the text and the HTML, as Django would write it."""
    text, html = _text_part(body_text, "plain"), _text_part(body_html, "html") if body_html else None
    if text is None or html is None:
        return _django_content(subject_line, from_address, body_text, body_html)
    boundary = f"==============={secrets.randbits(63)}=="
    while boundary in body_text or boundary in body_html:
        boundary = f"==============={secrets.randbits(63)}=="
    return (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\nMIME-Version: 1.0\r\n'
        + _header("Subject", subject_line)
        + _header("From", from_address)
        + f"\r\n--{boundary}\r\n{text}\r\n--{boundary}\r\n{html}\r\n--{boundary}--\r\n"
    ).encode()


def _django_content(subject_line: str, from_address: str, body_text: str, body_html: str) -> bytes:
    message = EmailMultiAlternatives(
        subject=subject_line, body=body_text, from_email=from_address, headers={"Date": "", "Message-ID": ""}
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    mime = message.message()
    del mime["Date"]
    del mime["Message-ID"]
    return mime.as_bytes(linesep="\r\n")


def wire_message(
    *, to: str, from_address: str, subject_line: str, body_text: str, body_html: str, message_id: str, headers: dict
) -> WireMessage:
    """The message Django's SMTP backend would send for these fields (same headers and
    parts; the row's own headers unfolded), built at the cost of a few string joins when
    its content was built before."""
    own = {"To": to, "Date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME), **headers, "Message-ID": message_id}
    head = "".join(_header(name, value) for name, value in own.items()).encode("ascii")
    return WireMessage(
        sender=sanitize_address(from_address, settings.DEFAULT_CHARSET),
        recipient=sanitize_address(to, settings.DEFAULT_CHARSET),
        content=head + _content(subject_line, from_address, body_text, body_html),
    )


def _refused(smtp: smtplib.SMTP, code: int) -> None:
    # As smtplib.sendmail: a 421 means the server is closing; otherwise reset the transaction.
    if code == 421:
        smtp.close()
        return
    try:
        smtp.rset()
    except smtplib.SMTPServerDisconnected:
        pass


def smtp_send(smtp: smtplib.SMTP, message: WireMessage) -> None:
    """Send one message over an open session (EHLO done); raises as smtplib.sendmail."""
    if not smtp.has_extn("pipelining"):
        smtp.sendmail(message.sender, [message.recipient], message.content)
        return
    smtp.send(
        f"MAIL FROM:{smtplib.quoteaddr(message.sender)}\r\n"
        f"RCPT TO:{smtplib.quoteaddr(message.recipient)}\r\nDATA\r\n".encode("ascii")
    )
    mail, rcpt, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
    if mail[0] != 250:
        _refused(smtp, mail[0])
        raise smtplib.SMTPSenderRefused(mail[0], mail[1], message.sender)
    if rcpt[0] not in (250, 251):
        _refused(smtp, rcpt[0])
        raise smtplib.SMTPRecipientsRefused({message.recipient: rcpt})
    if data[0] != 354:
        _refused(smtp, data[0])
        raise smtplib.SMTPDataError(*data)
    content = _LEADING_DOT.sub(b"..", message.content)
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    smtp.send(content + b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        _refused(smtp, code)
        raise smtplib.SMTPDataError(code, reply)
