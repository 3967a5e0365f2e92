#!/usr/bin/python3
"""A real SMTP server for tests (Debian's python3-aiosmtpd): listens on 127.0.0.1, port 0,
prints "PORT <n>" once it accepts connections, and writes every message it receives to
OUT_DIR/<n>.eml (envelope sender and recipients first, as X-Envelope-* lines). Stops on
SIGTERM or when its stdin closes (so it never outlives the test that started it)."""
import asyncio
import os
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
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


async def main():
    out_dir = sys.argv[1]
    sink = Sink(out_dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    loop.add_reader(sys.stdin.fileno(), lambda: stop.done() or (sys.stdin.buffer.read1(1) == b"" and stop.set_result(None)))
    await stop
    server.close()


asyncio.run(main())
