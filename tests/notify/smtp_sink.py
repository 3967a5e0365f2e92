#!/usr/bin/python3
"""A real SMTP server for tests (Debian's python3-aiosmtpd): listens on 127.0.0.1, port 0,
prints "PORT <n>" once it accepts connections, and writes every message it receives to
OUT_DIR/<n>.eml (envelope sender and recipients first, as X-Envelope-* lines). Stops on
SIGTERM or when its stdin closes (so it never outlives the test that started it).

Usage: smtp_sink.py OUT_DIR [--refuse-first N] [--refuse-at rcpt|data|eod]

--refuse-first N answers "451 4.3.0 try again later" to the first N attempts (counted over
all connections) at the step --refuse-at names: the RCPT command (default), the DATA
command (before the content), or the end of the content ("eod", after the message was
transferred). Refused messages are not stored. Each refusal is logged to OUT_DIR/refused.log
as one line "<step> <recipients>", so a test can tell a refusal from a message that never came."""
import argparse
import asyncio
import os
import signal
import sys

from aiosmtpd.smtp import SMTP

TRY_LATER = "451 4.3.0 try again later"


class Sink:
    def __init__(self, out_dir, refuse_first, refuse_at):
        self.out_dir = out_dir
        self.count = 0
        self.refuse_left = refuse_first
        self.refuse_at = refuse_at

    def refuse(self, step, recipients):
        """Whether to refuse at `step` now (and log it when so)."""
        if self.refuse_at != step or self.refuse_left <= 0:
            return False
        self.refuse_left -= 1
        with open(os.path.join(self.out_dir, "refused.log"), "a") as f:
            f.write("%s %s\n" % (step, ",".join(recipients)))
        return True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse("rcpt", [address]):
            return TRY_LATER
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse("eod", envelope.rcpt_tos):
            return TRY_LATER
        self.count += 1
        head = "X-Envelope-From: %s\r\n" % envelope.mail_from
        for rcpt in envelope.rcpt_tos:
            head += "X-Envelope-To: %s\r\n" % rcpt
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        tmp = os.path.join(self.out_dir, ".%d.tmp" % self.count)
        with open(tmp, "wb") as f:
            f.write(head.encode("ascii") + data)
        os.rename(tmp, os.path.join(self.out_dir, "%d.eml" % self.count))
        return "250 OK"


class RefusingSmtp(SMTP):
    """Refuses the DATA command itself (before any content) when the sink says so."""

    async def smtp_DATA(self, arg):
        sink = self.event_handler
        if self.envelope.rcpt_tos and sink.refuse("data", self.envelope.rcpt_tos):
            return await self.push(TRY_LATER)
        return await super().smtp_DATA(arg)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--refuse-first", type=int, default=0)
    parser.add_argument("--refuse-at", choices=("rcpt", "data", "eod"), default="rcpt")
    args = parser.parse_args()
    sink = Sink(args.out_dir, args.refuse_first, args.refuse_at)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: RefusingSmtp(sink, hostname="sink.test"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    loop.add_reader(sys.stdin.fileno(), lambda: stop.done() or (sys.stdin.buffer.read1(1) == b"" and stop.set_result(None)))
    await stop
    server.close()


asyncio.run(main())
