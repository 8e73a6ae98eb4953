"""SMTP sink for switchboard-testkit: an aiosmtpd server that keeps every message it gets.

    smtp_sink.py --dir DIR [--user USER --password PASSWORD]

Listens on 127.0.0.1 on a port chosen by the kernel and prints "PORT <n>" on stdout once it
accepts connections. With --user, AUTH PLAIN and AUTH LOGIN are offered without TLS and
required before MAIL FROM. Each accepted message becomes DIR/<seq>.eml (the raw DATA bytes)
and DIR/<seq>.json ({"mail_from", "rcpt_tos", "auth_user", "eml"}); the JSON is renamed into
place last, so a reader never sees half a message. When DIR/reject_next holds a number N > 0,
the next N messages are answered with 451 and N is decremented.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.seq = 0

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
    sink = Sink(args.dir)
    if args.user is not None:
        options = dict(
            authenticator=make_authenticator(args.user, args.password),
            auth_required=True,
            auth_require_tls=False,
        )
    else:
        options = dict(auth_required=False)

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
    args = parser.parse_args()
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
