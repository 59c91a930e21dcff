"""A real SMTP server for the mail tests (aiosmtpd), and a reader of the mails it keeps.

    python3 smtp_server.py serve --dir DIR [--port N] [--user U --password P]
        Listens on 127.0.0.1:N (0: any free port), prints the port on a line once it listens,
        and writes each mail it accepts to DIR/NNNN.eml (whole or not at all). With --user
        and --password it requires AUTH (PLAIN or LOGIN) with them, without TLS.

    python3 smtp_server.py read FILE
        Prints the mail as JSON: to, from, subject and the text body, decoded.

scripts/test installs aiosmtpd (scripts/lib.sh: ensure_aiosmtpd).
"""

import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import sys


def serve(args):
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    counter = itertools.count(1)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            name = f"{next(counter):04}.eml"
            partial = os.path.join(args.dir, f".{name}.partial")
            with open(partial, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(partial, os.path.join(args.dir, name))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == args.user.encode()
            and auth_data.password == args.password.encode()
        )
        return AuthResult(success=ok)

    async def main():
        loop = asyncio.get_running_loop()
        auth = args.user is not None

        def protocol():
            return SMTP(
                Handler(),
                hostname="afftok-test-smtp",
                loop=loop,
                authenticator=authenticator if auth else None,
                auth_required=auth,
                auth_require_tls=False,
            )

        server = await loop.create_server(protocol, "127.0.0.1", args.port)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(main())


def read(args):
    with open(args.file, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    json.dump(
        {
            "to": str(msg["To"]),
            "from": str(msg["From"]),
            "subject": str(msg["Subject"]),
            "body": body.get_content() if body is not None else "",
        },
        sys.stdout,
    )


def cli():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--dir", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--user")
    s.add_argument("--password")
    r = sub.add_parser("read")
    r.add_argument("file")
    args = parser.parse_args()
    serve(args) if args.command == "serve" else read(args)


if __name__ == "__main__":
    cli()
