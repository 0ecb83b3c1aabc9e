"""The MLLP listener: python-hl7's asyncio server (`hl7.mllp.start_hl7_server`) frames the messages;
each is handled in a worker thread with an app context of its own, so that many connections wait on the
network together while the database work runs a few at a time.

Bounded: a frame longer than `HL7_MAX_MESSAGE_BYTES` is refused (AR) as soon as the limit is passed,
never read whole, and the connection closed (what follows of that frame cannot be told from a new
one); a connection that sends no complete frame within `HL7_READ_TIMEOUT` seconds is closed. SIGTERM
stops taking connections, lets each message in hand be answered, and returns.
"""

import asyncio
import contextlib
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from hl7.mllp import InvalidBlockError, start_hl7_server

from tumorboard.extensions import db
from tumorboard.hl7 import parsing
from tumorboard.hl7.models import AckCode

log = logging.getLogger(__name__)

WORKERS = 4


class Listener:
    def __init__(self, app: Flask, host: str, port: int):
        self.app, self.host, self.port = app, host, port
        self.limit = int(app.config["HL7_MAX_MESSAGE_BYTES"])
        self.timeout = float(app.config["HL7_READ_TIMEOUT"])
        self.ready = threading.Event()
        self.bound_port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="hl7")
        self._connections: set[asyncio.Task] = set()

    def _handle(self, raw: bytes) -> str:
        from tumorboard.hl7.operations import handle_message

        with self.app.app_context():
            try:
                return handle_message(raw)
            except Exception:
                log.exception("hl7 message could not be handled")
                db.session.rollback()
                return parsing.ack(
                    _header(raw),
                    AckCode.AE.value,
                    text="The message could not be processed.",
                    error_code="207",
                )
            finally:
                db.session.remove()

    async def _connection(self, reader, writer) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        loop = asyncio.get_running_loop()
        try:
            while self._stop is not None and not self._stop.is_set():
                try:
                    block = await asyncio.wait_for(reader.readblock(), self.timeout)
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    break  # idle, cut mid-frame, or gone: nothing to answer
                except InvalidBlockError:
                    ack = parsing.ack(
                        None, "AR", text="The frame does not begin with <VT>.", error_code="100"
                    )
                    writer.writeblock(ack.encode())
                    await writer.drain()
                    break
                except ValueError:
                    ack = parsing.ack(
                        None,
                        "AR",
                        text=f"The message is longer than {self.limit} bytes.",
                        error_code="206",
                    )
                    writer.writeblock(ack.encode())
                    await writer.drain()
                    break
                ack = await loop.run_in_executor(self._executor, self._handle, bytes(block))
                writer.writeblock(ack.encode("utf-8"))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
            if task is not None:
                self._connections.discard(task)

    async def serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await start_hl7_server(self._connection, self.host, self.port, limit=self.limit)
        self.bound_port = server.sockets[0].getsockname()[1]
        log.info("hl7 listener on %s:%s", self.host, self.bound_port)
        self.ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            await server.wait_closed()
            if self._connections:
                await asyncio.wait(set(self._connections), timeout=self.timeout)
        self._executor.shutdown(wait=True)

    def stop(self) -> None:
        """From any thread (a signal handler, a test)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    def run(self, *, handle_signals: bool = False) -> None:
        async def main() -> None:
            if handle_signals:
                loop = asyncio.get_running_loop()
                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(signum, self.stop)
            await self.serve()

        asyncio.run(main())


def _header(raw: bytes) -> parsing.Header | None:
    try:
        return parsing.read_header(raw)
    except parsing.Rejected:
        return None
