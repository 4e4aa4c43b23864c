"""A real SMTP server on 127.0.0.1 for tests and the bench (aiosmtpd), that keeps what it
receives and can be told to refuse."""

import email
import email.policy
import logging
import re
import socket
import threading
import time

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO, recipients included: keep test output readable.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class _Handler:
    def __init__(self, *, parse: bool):
        self.parse = parse
        self.lock = threading.Lock()
        self.messages: list = []  # parsed EmailMessages, or (without parse) Message-IDs
        self.received_at: list[float] = []
        self.sessions = 0
        self.refuse: str | None = None  # an SMTP reply to every RCPT, e.g. "451 4.3.0 Try later"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.parse:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        else:  # the bench: only the Message-ID, so the server is never what limits the rate
            found = _MESSAGE_ID.search(envelope.content)
            message = found.group(1).decode() if found else ""
        with self.lock:
            self.messages.append(message)
            self.received_at.append(time.monotonic())
        return "250 Message accepted for delivery"


class SmtpSink:
    """with SmtpSink() as sink: … sink.port, sink.messages, sink.wait_for(n), sink.refuse = "550 …" """

    def __init__(self, *, parse: bool = True):
        self.handler = _Handler(parse=parse)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def restart(self) -> None:
        """Stop (dropping every connection) and listen again on the same port."""
        self.controller.stop()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()

    @property
    def messages(self) -> list:
        with self.handler.lock:
            return list(self.handler.messages)

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()
            self.handler.received_at.clear()

    def received(self) -> list[tuple[object, float]]:
        """(message, time.monotonic() it arrived) for each message so far."""
        with self.handler.lock:
            return list(zip(self.handler.messages, self.handler.received_at, strict=True))

    @property
    def sessions(self) -> int:
        return self.handler.sessions

    @property
    def refuse(self) -> str | None:
        return self.handler.refuse

    @refuse.setter
    def refuse(self, reply: str | None) -> None:
        self.handler.refuse = reply

    def wait_for(self, count: int, timeout: float = 15.0) -> list:
        """The messages once there are at least `count` (or when `timeout` runs out)."""
        deadline = time.monotonic() + timeout
        while len(self.handler.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def settings(self) -> dict:
        """Django settings that send to this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
        }
