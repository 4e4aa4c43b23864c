"""An outbox row as the bytes an SMTP server receives, and one message over an open session.

Building: Django's EmailMessage builds and flattens a whole MIME tree per message (header
folding, a boundary checked by a regex compiled per message …), which was about half of a
worker's time per email. Emails of one announcement differ only in To, Date and
Message-ID (and a caller's extra headers): the rest, subject, sender and both bodies, is
built by Django once per distinct content and kept, and each row puts its own header
lines in front of it.

Sending: where the server offers PIPELINING (RFC 2920), MAIL, RCPT and DATA go in one
write, so a message costs two round trips instead of smtplib's four. Errors are raised as
smtplib.sendmail raises them, so retries and permanent failures are judged alike."""

import re
import smtplib
from dataclasses import dataclass
from email.utils import formatdate
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import forbid_multi_line_headers, sanitize_address

# Distinct contents kept built per process: an announcement has one per language.
SHARED_PARTS_KEPT = 32
_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class WireMessage:
    sender: str
    recipient: str
    content: bytes


@lru_cache(maxsize=SHARED_PARTS_KEPT)
def _shared_part(subject_line: str, from_address: str, body_text: str, body_html: str) -> bytes:
    """Every header but the row's own, a blank line and the MIME body, CRLF line ends."""
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
    encoding = settings.DEFAULT_CHARSET
    own = {
        "To": to,
        "Date": formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
        **headers,
        "Message-ID": message_id,
    }
    lines = []
    for name, value in own.items():
        name, value = forbid_multi_line_headers(name, value, encoding)
        # A non-ASCII value comes back encoded, and folded with bare LFs.
        lines.append(f"{name}: {value}\r\n".replace("\n ", "\r\n "))
    return WireMessage(
        sender=sanitize_address(from_address, encoding),
        recipient=sanitize_address(to, encoding),
        content="".join(lines).encode("ascii") + _shared_part(subject_line, from_address, body_text, body_html),
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
