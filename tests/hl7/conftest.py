"""A listener on an ephemeral port, in a thread, on a database of its own (its writes really commit),
with the interface account, a board with its coordinator, a submitter and their patients' cases."""

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask

from tests import factories
from tests.hl7.messages import CR, FS, frame
from tumorboard.auth.roles import Role
from tumorboard.extensions import db
from tumorboard.hl7.listener import Listener

INTERFACE = "hl7-interface@hospital.org"


@dataclass
class Running:
    app: Flask
    listener: Listener
    port: int

    def connect(self, timeout: float = 10) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def send(self, message: str | bytes, sock: socket.socket | None = None) -> str:
        """One message framed, its ACK read back (the text between <VT> and <FS><CR>)."""
        own = sock is None
        sock = sock or self.connect()
        try:
            sock.sendall(frame(message))
            return read_ack(sock)
        finally:
            if own:
                sock.close()


def read_ack(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(FS + CR):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before an ACK: {data!r}")
        data += chunk
    return data[1:-2].decode()


def ack_code(ack: str) -> str:
    msa = next(s for s in ack.split("\r") if s.startswith("MSA|"))
    return msa.split("|")[1]


def segment(ack: str, name: str) -> list[str]:
    return next(s for s in ack.split("\r") if s.startswith(name + "|")).split("|")


@pytest.fixture
def hl7_app(isolated_app) -> Flask:
    app = isolated_app(HL7_ACCOUNT=INTERFACE, HL7_MAX_MESSAGE_BYTES=64 * 1024, HL7_READ_TIMEOUT=3)
    with app.app_context():
        factories.create_user(roles=[Role.SUBMITTER], email=INTERFACE, name="HL7 interface")
    return app


@pytest.fixture
def listener(hl7_app) -> Iterator[Running]:
    server = Listener(hl7_app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert server.ready.wait(10)
    assert server.bound_port
    yield Running(hl7_app, server, server.bound_port)
    server.stop()
    thread.join(15)
    assert not thread.is_alive()
    with hl7_app.app_context():
        db.session.remove()
