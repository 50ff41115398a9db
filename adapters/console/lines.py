"""Lines from standard input without a thread blocked in readline().

A thread stuck in `readline()` keeps the process alive after SIGTERM or Ctrl-C until someone
presses Enter (asyncio joins its worker threads on the way out). Pipes and terminals are read
from the event loop instead; regular files, which never block, still go through a thread.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import stat
from typing import IO

CHUNK = 65536


class LineReader:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.fd = _pollable_fd(stream)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._eof = False

    async def readline(self) -> str:
        """The next line with its newline; "" at end of input."""
        if self.fd is None:
            return await asyncio.to_thread(self.stream.readline)
        while "\n" not in self._buffer and not self._eof:
            try:
                chunk = await self._read_chunk(self.fd)
            except PermissionError:  # epoll refuses this descriptor (e.g. /dev/null)
                self.fd = None
                return self._buffer + await asyncio.to_thread(self.stream.readline)
            if not chunk:
                self._eof = True
                self._buffer += self._decoder.decode(b"", final=True)
            else:
                self._buffer += self._decoder.decode(chunk)
        line, newline, rest = self._buffer.partition("\n")
        self._buffer = rest
        return line + newline

    @staticmethod
    async def _read_chunk(fd: int) -> bytes:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        try:
            return os.read(fd, CHUNK)
        except BlockingIOError:  # another reader was first; wait again
            return await LineReader._read_chunk(fd)


def _pollable_fd(stream: IO[str]) -> int | None:
    """The descriptor of a pipe, socket or terminal; None for anything else."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
        if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode):
            return fd
    return None
