"""A real SMTP server on 127.0.0.1 for tests and the bench (aiosmtpd), that keeps what it
receives and can be told to refuse."""

import email
import email.policy
import logging
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


class _Handler:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []
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
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.received_at.append(time.monotonic())
        return "250 Message accepted for delivery"


class SmtpSink:
    """with SmtpSink() as sink: … sink.port, sink.messages, sink.wait_for(n), sink.refuse = "550 …" """

    def __init__(self):
        self.handler = _Handler()
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
