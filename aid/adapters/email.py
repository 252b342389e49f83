"""Email over SMTP: `SmtpEmail(url, sender).send(message) -> Receipt`, text and HTML in one message."""
import hashlib
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from aid.adapters.channels import PermanentFailure, Receipt, TemporaryFailure, mask_address

log = logging.getLogger("aid.channels.email")
PORTS = {"smtp": 587, "smtps": 465}


class SmtpEmail:
    """Sends through one SMTP server: smtp:// upgrades with STARTTLS when offered, smtps:// is TLS
    from the start; it logs in only when the URL names a user, and never over a plain connection."""

    channel = "email"

    def __init__(self, url, sender, timeout=10.0, tls_context=None):
        parts = urlsplit(url)
        if parts.scheme not in PORTS or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://host")
        self.implicit_tls = parts.scheme == "smtps"
        self.host, self.port = parts.hostname, parts.port or PORTS[parts.scheme]
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.sender, self.timeout = sender, timeout
        self.tls_context = tls_context or ssl.create_default_context()

    @classmethod
    def from_config(cls, config):
        """None when SMTP_URL is not set: no email channel."""
        if not config.get("SMTP_URL"):
            return None
        return cls(config["SMTP_URL"], config["MAIL_FROM"], config["SEND_TIMEOUT"])

    def send(self, message):
        """Hand the message to the server; raises TemporaryFailure (4xx, network) or PermanentFailure (5xx)."""
        email = self.compose(message)
        try:
            with self._connect() as smtp:
                smtp.send_message(email)
        except PermanentFailure as failure:  # from _connect: a set-up that cannot work
            raise self._logged(message, failure) from None
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise self._failure(message, code, reply) from None
        except smtplib.SMTPResponseException as error:
            raise self._failure(message, error.smtp_code, error.smtp_error) from None
        except ssl.SSLCertVerificationError as error:
            raise self._logged(message, PermanentFailure(f"SMTP certificate refused: {error.reason}")) from None
        except (OSError, smtplib.SMTPException) as error:  # refused, timed out, dropped
            raise self._logged(message, TemporaryFailure(f"SMTP unreachable: {type(error).__name__}")) from None
        log.info("email %s sent to %s", message.ref, mask_address(message.to))
        return Receipt(self.channel, email["Message-ID"], "sent")

    def compose(self, message):
        """The EmailMessage: a plain-text part with the link, and the HTML part when there is one."""
        email = EmailMessage()
        # One line: a line break in a header would be refused (or, elsewhere, inject headers).
        email["From"], email["To"], email["Subject"] = self.sender, message.to, " ".join(message.subject.split())
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = _message_id(message.key, self.sender)
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to this
        email.set_content(message.text_with_url())
        if message.html:
            email.add_alternative(message.html, subtype="html")
        return email

    def _connect(self):
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls_context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if not self.implicit_tls and smtp.has_extn("starttls"):
                smtp.starttls(context=self.tls_context)
                smtp.ehlo()
            if self.user:
                if not isinstance(smtp.sock, ssl.SSLSocket):
                    raise PermanentFailure("SMTP server offers no TLS: not sending the password in clear")
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _failure(self, message, code, reply):
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        kind = TemporaryFailure if 400 <= code < 500 else PermanentFailure
        return self._logged(message, kind(f"SMTP {code} {text}", code=code))

    def _logged(self, message, failure):
        log.warning("email %s to %s failed: %s", message.ref, mask_address(message.to), type(failure).__name__)
        return failure


def _message_id(key, sender):
    """The same Message-ID for every retry of one message, so receivers can drop a duplicate."""
    domain = sender.rpartition("@")[2].strip(">") or "localhost"
    if not key:
        return make_msgid(domain=domain)
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
