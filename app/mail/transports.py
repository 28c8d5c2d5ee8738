"""How a message leaves: over SMTP to MAIL_URL, or into a directory when there is none.

Either raises TemporaryFailure (try again later: a 4xx answer, no connection, a timeout) or
PermanentFailure (a 5xx answer: the server will never take it) when the message is not sent.
"""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from app.database import utcnow

log = logging.getLogger(__name__)

SMTP_PORTS = {"smtp": 25, "smtps": 465}


class TemporaryFailure(Exception):
    """The message was not sent this time; the same message may be accepted later."""


class PermanentFailure(Exception):
    """The server refused the message for good."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def failure_for(code: int, reason: str) -> Exception:
    """Return the failure an SMTP reply code means: 5xx for good, anything else for now."""
    failure = PermanentFailure if 500 <= code < 600 else TemporaryFailure
    return failure(f"{code} {reason}")


@dataclass(frozen=True)
class SMTPTransport:
    """Sends through the SMTP server at an smtp:// or smtps:// URL."""

    url: str
    timeout: float

    def send(self, message: EmailMessage) -> None:
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        port = parts.port or SMTP_PORTS[parts.scheme]
        try:
            with self._connect(parts.scheme, host, port) as smtp:
                if parse_qs(parts.query).get("starttls") == ["1"]:
                    smtp.starttls(context=ssl.create_default_context())
                if parts.username:
                    smtp.login(unquote(parts.username), unquote(parts.password or ""))
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, reason = next(iter(error.recipients.values()))
            raise failure_for(code, _text(reason)) from error
        except smtplib.SMTPResponseException as error:
            raise failure_for(error.smtp_code, _text(error.smtp_error)) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error

    def _connect(self, scheme: str, host: str, port: int) -> smtplib.SMTP:
        if scheme == "smtps":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        return smtplib.SMTP(host, port, timeout=self.timeout)


def _text(reason: bytes | str) -> str:
    return reason.decode(errors="replace") if isinstance(reason, bytes) else reason


@dataclass(frozen=True)
class DirectoryTransport:
    """Writes each message to directory as <UTC time>-<Message-ID>.eml, for development."""

    directory: Path

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        name = message["Message-ID"].strip("<>").partition("@")[0]
        path = self.directory / f"{stamp}-{name}.eml"
        path.write_bytes(message.as_bytes())
        log.info(
            "Mail %r to %s written to %s (no MAIL_URL)", message["Subject"], message["To"], path
        )


def transport_for(config: dict) -> Transport:
    """Return the transport the config names: SMTP at MAIL_URL, else MAIL_OUTBOX_DIR."""
    if config["MAIL_URL"]:
        return SMTPTransport(config["MAIL_URL"], config["MAIL_TIMEOUT_SECONDS"])
    return DirectoryTransport(Path(config["MAIL_OUTBOX_DIR"]))
