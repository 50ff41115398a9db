"""A TCP proxy the tests control, to take a network database away without touching the server.

The shared PostgreSQL server must never be stopped (other test runs use it), so a bot under test
connects through this proxy instead. `cut()` closes every open connection and stops listening, so
new connections are refused exactly as if the server were down; `restore()` listens again on the
same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

from sqlalchemy import make_url


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.connections = 0  # accepted since start, for tests that want to see reconnects
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def cut(self) -> None:
        """Drop every connection mid-stream and refuse new ones."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            _abort(writer)
        self._writers.clear()
        if server is not None:
            await server.wait_closed()  # on 3.12+ this also waits for the connections above

    async def restore(self) -> None:
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.cut()

    def url_for(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by this proxy's."""
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    async def _accept(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        self._writers.add(client)
        try:
            server_reader, server = await asyncio.open_connection(*self.target)
        except OSError:
            self._writers.discard(client)
            _abort(client)
            return
        self._writers.add(server)
        try:
            await asyncio.gather(_pipe(client_reader, server), _pipe(server_reader, client))
        finally:
            for writer in (client, server):
                self._writers.discard(writer)
                _abort(writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    # One side ended: end the other too, so neither end waits on a half-open connection.
    _abort(writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a reset (no FIN handshake), as a crashed server or a broken network would."""
    transport = writer.transport
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
