"""SMTP sink for switchboard-testkit: an aiosmtpd server that keeps every message it gets.

    smtp_sink.py --dir DIR [--user USER --password PASSWORD [--bearer-file FILE]]

Listens on 127.0.0.1 on a port chosen by the kernel and prints "PORT <n>" on stdout once it
accepts connections. With --user, AUTH PLAIN and AUTH LOGIN are offered without TLS and
required before MAIL FROM. Each accepted message becomes DIR/<seq>.eml (the raw DATA bytes)
and DIR/<seq>.json ({"mail_from", "rcpt_tos", "auth_user", "eml"}); the JSON is renamed into
place last, so a reader never sees half a message. When DIR/reject_next holds a number N > 0,
the next N messages are answered with 451 and N is decremented.

With --bearer-file, AUTH XOAUTH2 is offered too: it accepts USER with the OAuth2 access token
that FILE holds when the attempt is made (so a test can change it). A refused token gets the
error challenge Google and Microsoft send (334 + base64 JSON {"status": "401", ...}); once
the client answers it (an empty line), 535 5.7.8.
"""

import argparse
import asyncio
import base64
import binascii
import json
import os
import signal
import sys
import warnings

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, user=None, bearer_file=None):
        self.directory = directory
        self.seq = 0
        self.user = user
        self.bearer_file = bearer_file

    async def auth_XOAUTH2(self, server, args):
        """SASL XOAUTH2: base64 of "user=U^Aauth=Bearer T^A^A", inline or after a 334."""
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        else:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        fields = dict(
            part.split(b"=", 1) for part in blob.split(b"\x01") if b"=" in part
        )
        with open(self.bearer_file, "rb") as f:
            expected = b"Bearer " + f.read().strip()
        if fields.get(b"user") == self.user.encode() and fields.get(b"auth") == expected:
            return AuthResult(
                success=True, auth_data=LoginPassword(login=fields[b"user"], password=b"")
            )
        status = json.dumps({"status": "401", "schemes": "bearer", "scope": "mail"})
        await server.challenge_auth(status)
        return AuthResult(success=False, handled=False)

    def take_rejection(self):
        path = os.path.join(self.directory, "reject_next")
        try:
            with open(path) as f:
                left = int(f.read().strip() or "0")
        except (FileNotFoundError, ValueError):
            return False
        if left <= 0:
            return False
        with open(path + ".tmp", "w") as f:
            f.write(str(left - 1))
        os.replace(path + ".tmp", path)
        return True

    async def handle_DATA(self, server, session, envelope):
        if self.take_rejection():
            return "451 4.3.0 Temporary failure (switchboard-testkit reject_next)"
        self.seq += 1
        stem = os.path.join(self.directory, "%06d" % self.seq)
        with open(stem + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content or b"")
        login = session.login_data
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "auth_user": login.decode("utf-8", "replace") if isinstance(login, bytes) else login,
            "eml": os.path.basename(stem + ".eml"),
        }
        with open(stem + ".json.tmp", "w") as f:
            json.dump(record, f)
        os.replace(stem + ".json.tmp", stem + ".json")
        return "250 2.0.0 OK queued as %06d" % self.seq


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        ):
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    return authenticate


async def serve(args):
    sink = Sink(args.dir, args.user, args.bearer_file)
    if args.user is not None:
        options = dict(
            authenticator=make_authenticator(args.user, args.password),
            auth_required=True,
            auth_require_tls=False,
        )
    else:
        options = dict(auth_required=False)
    if args.bearer_file is None:
        options["auth_exclude_mechanism"] = ["XOAUTH2"]

    def factory():
        return SMTP(sink, hostname="localhost", enable_SMTPUTF8=True, **options)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, host="127.0.0.1", port=0)
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


def main():
    warnings.simplefilter("ignore")  # "AUTH without TLS" is the point here
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--bearer-file")
    args = parser.parse_args()
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
