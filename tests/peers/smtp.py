"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent and refuses chosen recipients."""
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.peers import free_port


class Recorder:
    """The aiosmtpd handler: `refuse` maps an address to the reply its RCPT gets ("451 ...", "550 ...")."""

    def __init__(self):
        self.messages, self.refuse, self.logins = [], {}, []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        received = message_from_bytes(envelope.content, policy=default)
        tls = server.transport.get_extra_info("ssl_object") is not None  # after STARTTLS or from the start
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), received, tls))
        return "250 Message accepted for delivery"


class Received:
    """One delivered message: envelope, parsed EmailMessage, and whether it came over TLS."""

    def __init__(self, mail_from, rcpt_tos, message, tls):
        self.mail_from, self.rcpt_tos, self.message, self.tls = mail_from, rcpt_tos, message, tls

    def part(self, subtype):
        """The decoded text of the text/<subtype> part (None when there is none)."""
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None and part.get_content_subtype() == subtype else None


class SmtpPeer:
    """aiosmtpd's Controller on 127.0.0.1 and a free port.

    tls: a LoopbackCertificate. With `implicit=True` the server speaks TLS from the first byte
    (smtps://); otherwise it offers STARTTLS. `users` ({name: password}) turns on AUTH, which
    aiosmtpd only offers after TLS.
    """

    def __init__(self, tls=None, implicit=False, users=None):
        self.recorder, self.port, self.users = Recorder(), free_port(), users or {}
        options = {}
        if tls and implicit:
            options["ssl_context"] = tls.server_context()
        elif tls:
            options["tls_context"] = tls.server_context()
        if users:
            options.update(authenticator=self._authenticate, auth_require_tls=True)
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **options)

    @property
    def messages(self):
        return self.recorder.messages

    def refuse(self, address, reply):
        """Answer RCPT TO:<address> with `reply`, e.g. "451 4.3.0 try later" or "550 5.1.1 no such user"."""
        self.recorder.refuse[address] = reply

    def url(self, scheme="smtp", user=None, password=None):
        credentials = f"{user}:{password}@" if user else ""
        return f"{scheme}://{credentials}127.0.0.1:{self.port}"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        ok = self.users.get(login) == password
        if ok:
            self.recorder.logins.append(login)
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
