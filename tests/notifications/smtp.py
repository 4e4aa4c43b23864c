"""A real SMTP server on 127.0.0.1 for tests and the bench, that keeps what it receives
and can be told to refuse.

It speaks just enough SMTP for smtplib and Django's backend (EHLO/HELO, MAIL, RCPT, DATA
with dot-unstuffing, RSET, NOOP, QUIT; commands may be pipelined) as one asyncio
Protocol in a thread of its own. Cheap per message on purpose: the bench measures the
outbox against it, so it must take far more messages a second than the outbox sends
(aiosmtpd, its predecessor, took about 250 /s on this machine and was the limit)."""

import asyncio
import email
import email.policy
import re
import socket
import threading
import time

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)
_END_OF_DATA = b"\r\n.\r\n"
_EHLO_REPLY = b"250-127.0.0.1\r\n250-8BITMIME\r\n250 PIPELINING\r\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Mailbox:
    """What every session of one server received, shared with the test's thread."""

    def __init__(self, *, parse: bool):
        self.parse = parse
        self.lock = threading.Lock()
        self.messages: list = []  # parsed EmailMessages, or (without parse) Message-IDs
        self.received_at: list[float] = []
        self.sessions = 0
        self.refuse: str | None = None  # an SMTP reply to every RCPT, e.g. "451 4.3.0 Try later"
        self.refuse_to: dict[str, str] = {}  # an SMTP reply to the RCPT of one address

    def deliver(self, content: bytes) -> None:
        if self.parse:
            message = email.message_from_bytes(content, policy=email.policy.default)
        else:  # the bench: only the Message-ID
            found = _MESSAGE_ID.search(content)
            message = found.group(1).decode() if found else ""
        with self.lock:
            self.messages.append(message)
            self.received_at.append(time.monotonic())


class _Session(asyncio.Protocol):
    def __init__(self, mailbox: _Mailbox, transports: set):
        self.mailbox = mailbox
        self.transports = transports
        self.buffer = b""
        self.in_data = False
        self.sender: bytes | None = None
        self.recipients = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.transports.add(transport)
        transport.write(b"220 127.0.0.1 ESMTP test sink\r\n")

    def connection_lost(self, exc) -> None:
        self.transports.discard(self.transport)

    def data_received(self, chunk: bytes) -> None:
        self.buffer += chunk
        replies = []
        while True:
            if self.in_data:
                # The buffer starts with the CRLF that ended the DATA line, so an empty
                # message ends at 0 and a line "." is always found as CRLF "." CRLF.
                end = self.buffer.find(_END_OF_DATA)
                if end < 0:
                    break
                content = self.buffer[: end + 2].replace(b"\r\n..", b"\r\n.")[2:]
                self.buffer = self.buffer[end + len(_END_OF_DATA) :]
                self.in_data = False
                self.sender, self.recipients = None, 0
                self.mailbox.deliver(content)
                replies.append(b"250 Message accepted for delivery\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                break
            line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
            reply = self._command(line)
            replies.append(reply)
            if self.in_data:
                self.buffer = b"\r\n" + self.buffer
            elif reply.startswith(b"221"):
                self.transport.write(b"".join(replies))
                self.transport.close()
                return
        if replies:
            self.transport.write(b"".join(replies))

    def _command(self, line: bytes) -> bytes:
        verb = line[:4].upper()
        if verb == b"EHLO":
            with self.mailbox.lock:
                self.mailbox.sessions += 1
            return _EHLO_REPLY
        if verb in (b"HELO", b"NOOP"):
            return b"250 OK\r\n"
        if verb == b"MAIL":
            self.sender, self.recipients = line, 0
            return b"250 OK\r\n"
        if verb == b"RCPT":
            if self.sender is None:
                return b"503 Error: need MAIL command\r\n"
            address = line.partition(b":")[2].strip().strip(b"<>").decode(errors="replace")
            refuse = self.mailbox.refuse or self.mailbox.refuse_to.get(address)
            if refuse:
                return refuse.encode() + b"\r\n"
            self.recipients += 1
            return b"250 OK\r\n"
        if verb == b"DATA":
            if not self.recipients:
                return b"503 Error: need RCPT command\r\n"
            self.in_data = True
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb == b"RSET":
            self.sender, self.recipients = None, 0
            return b"250 OK\r\n"
        if verb == b"QUIT":
            return b"221 Bye\r\n"
        return b"500 Error: command not recognized\r\n"


class SmtpSink:
    """with SmtpSink() as sink: … sink.port, sink.messages, sink.wait_for(n), sink.refuse = "550 …",
    sink.refuse_to["bo@example.com"] = "550 …" """

    def __init__(self, *, parse: bool = True):
        self.mailbox = _Mailbox(parse=parse)
        self.port = free_port()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _start(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        transports: set = set()
        self._transports = transports
        self._thread = threading.Thread(target=loop.run_forever, name=f"smtp-sink-{self.port}", daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            loop.create_server(lambda: _Session(self.mailbox, transports), "127.0.0.1", self.port, reuse_address=True),
            loop,
        ).result(10)

    def _stop(self) -> None:
        async def shutdown():
            self._server.close()
            for transport in list(self._transports):
                transport.abort()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> "SmtpSink":
        self._start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop()

    def restart(self) -> None:
        """Stop (dropping every connection) and listen again on the same port."""
        self._stop()
        self._start()

    @property
    def messages(self) -> list:
        with self.mailbox.lock:
            return list(self.mailbox.messages)

    def clear(self) -> None:
        with self.mailbox.lock:
            self.mailbox.messages.clear()
            self.mailbox.received_at.clear()

    def received(self) -> list[tuple[object, float]]:
        """(message, time.monotonic() it arrived) for each message so far."""
        with self.mailbox.lock:
            return list(zip(self.mailbox.messages, self.mailbox.received_at, strict=True))

    def count(self) -> int:
        with self.mailbox.lock:
            return len(self.mailbox.messages)

    @property
    def sessions(self) -> int:
        return self.mailbox.sessions

    @property
    def refuse_to(self) -> dict[str, str]:
        return self.mailbox.refuse_to

    @property
    def refuse(self) -> str | None:
        return self.mailbox.refuse

    @refuse.setter
    def refuse(self, reply: str | None) -> None:
        self.mailbox.refuse = reply

    def wait_for(self, count: int, timeout: float = 15.0) -> list:
        """The messages once there are at least `count` (or when `timeout` runs out)."""
        deadline = time.monotonic() + timeout
        while self.count() < count and time.monotonic() < deadline:
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
