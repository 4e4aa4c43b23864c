"""An outbox row as the bytes an SMTP server receives, and one message over an open session.

Building: Django's EmailMessage builds and flattens a whole MIME tree per message (header
folding, a boundary checked by a regex compiled per message …), which was about half of a
worker's time per email. An outbox row is always the same shape, a multipart/alternative
of a UTF-8 text and HTML body, so it is written out directly as Django would write it;
a body Django would encode otherwise (a line over 998 characters: quoted-printable) is
left to Django.

Sending: where the server offers PIPELINING (RFC 2920), a message's content and the next
one's MAIL, RCPT and DATA go in one write, so a message costs one round trip instead of
smtplib's four (on a busy machine each round trip waits for the other process to be
scheduled). Each message's error is the one smtplib.sendmail raises, so retries and
permanent failures are judged alike."""

import re
import secrets
import smtplib
from dataclasses import dataclass
from email.utils import formatdate
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import forbid_multi_line_headers, sanitize_address

# RFC 5322's limit: Django sends a body with a longer line quoted-printable.
LINE_LENGTH_LIMIT = 998
_LEADING_DOT = re.compile(rb"(?m)^\.")
_LINE_END = re.compile(r"\r\n|\r|\n")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


@dataclass(frozen=True)
class WireMessage:
    sender: str
    recipient: str
    content: bytes


def _header(name: str, value: str) -> str:
    name, value = forbid_multi_line_headers(name, value, settings.DEFAULT_CHARSET)
    # A non-ASCII (or long) value comes back encoded, and folded with bare LFs.
    return f"{name}: {value}\r\n".replace("\n ", "\r\n ")


@lru_cache(maxsize=64)
def _sender_headers(subject_line: str, from_address: str) -> str:
    # The same for every email of an announcement, and costly to encode (email.header).
    return _header("Subject", subject_line) + _header("From", from_address)


@lru_cache(maxsize=64)
def _sender(from_address: str) -> str:
    return sanitize_address(from_address, settings.DEFAULT_CHARSET)


def _recipient(to: str) -> str:
    # A plain ASCII address is its own sanitized form; Django's parser costs more than the rest.
    return to if _PLAIN_ADDRESS.fullmatch(to) else sanitize_address(to, settings.DEFAULT_CHARSET)


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
        + _sender_headers(subject_line, from_address)
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
        sender=_sender(from_address),
        recipient=_recipient(to),
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


def _envelope(message: WireMessage) -> bytes:
    return (
        f"MAIL FROM:{smtplib.quoteaddr(message.sender)}\r\n"
        f"RCPT TO:{smtplib.quoteaddr(message.recipient)}\r\nDATA\r\n".encode("ascii")
    )


def _envelope_outcome(smtp: smtplib.SMTP, message: WireMessage) -> Exception | None:
    """The replies to MAIL, RCPT and DATA: None once the server waits for the content."""
    mail, rcpt, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
    if mail[0] != 250:
        _refused(smtp, mail[0])
        return smtplib.SMTPSenderRefused(mail[0], mail[1], message.sender)
    if rcpt[0] not in (250, 251):
        _refused(smtp, rcpt[0])
        return smtplib.SMTPRecipientsRefused({message.recipient: rcpt})
    if data[0] != 354:
        _refused(smtp, data[0])
        return smtplib.SMTPDataError(*data)
    return None


def _data_block(message: WireMessage) -> bytes:
    content = _LEADING_DOT.sub(b"..", message.content)
    if not content.endswith(b"\r\n"):
        content += b"\r\n"
    return content + b".\r\n"


def _content_outcome(smtp: smtplib.SMTP) -> Exception | None:
    # No RSET after a refusal: the end of the content ends the transaction either way, and
    # the next message's MAIL is already on its way.
    code, reply = smtp.getreply()
    if code == 250:
        return None
    if code == 421:
        smtp.close()
    return smtplib.SMTPDataError(code, reply)


def smtp_send_many(smtp: smtplib.SMTP, messages: list[WireMessage]) -> list[Exception | None]:
    """Send `messages` in order over an open session. Returns for each None
    (accepted) or the error smtplib.sendmail would have raised for it. Where the connection
    is lost, that message and every one after it get the SMTPServerDisconnected (or OSError):
    the one whose content was on its way may have been accepted.

    With PIPELINING, one message's content, the next one's MAIL, RCPT and DATA go in one
    write (RFC 2920 lets content open a group): one round trip per message."""
    outcomes: list[Exception | None] = [None] * len(messages)
    settled = 0  # outcomes[:settled] are known
    try:
        smtp.ehlo_or_helo_if_needed()  # Django's backend opens without EHLO: sendmail would say it
        if not smtp.has_extn("pipelining"):
            for index, message in enumerate(messages):
                try:
                    smtp.sendmail(message.sender, [message.recipient], message.content)
                except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
                    outcomes[index] = exc
                settled = index + 1
            return outcomes
        waiting = b""  # the content of the last message the server accepted the envelope of
        for index, message in enumerate(messages):
            smtp.send(waiting + _envelope(message))
            if waiting:
                outcomes[index - 1] = _content_outcome(smtp)
            settled = index
            outcomes[index] = _envelope_outcome(smtp, message)
            if outcomes[index] is None:
                waiting = _data_block(message)
            else:
                waiting, settled = b"", index + 1
        if waiting:
            smtp.send(waiting)
            outcomes[-1] = _content_outcome(smtp)
        settled = len(messages)
    except OSError as exc:  # smtplib's errors are OSErrors too
        for index in range(settled, len(messages)):
            outcomes[index] = exc
    return outcomes
