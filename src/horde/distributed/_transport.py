"""ZeroMQ sockets: the master's ROUTER and a worker's DEALER, on one TCP port."""

from __future__ import annotations

import asyncio
import errno

import zmq
import zmq.asyncio

from horde.distributed._codec import decode, encode
from horde.engine import Message

__all__ = ["MasterSocket", "PortBusyError", "WorkerSocket"]


class PortBusyError(OSError):
    """The master's port is taken (often by an earlier master still running)."""


def _endpoint(host: str, port: int | str) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"tcp://{host}:{port}"


def _configure(socket: zmq.asyncio.Socket, host: str) -> None:
    socket.setsockopt(zmq.TCP_KEEPALIVE, 1)
    socket.setsockopt(zmq.TCP_KEEPALIVE_IDLE, 30)
    socket.setsockopt(zmq.LINGER, 1000)
    if ":" in host or host in ("*", "localhost"):
        socket.setsockopt(zmq.IPV6, 1)


class MasterSocket:
    """The master's end: bound, it receives ``(node_id, message)`` and sends to one node.

    Args:
        host: Interface to listen on (``*`` for all).
        port: TCP port; 0 picks a free one (see :attr:`port`).

    Raises:
        PortBusyError: If the port is taken.
    """

    def __init__(self, host: str, port: int) -> None:
        self._context = zmq.asyncio.Context()
        self._socket = self._context.socket(zmq.ROUTER)
        _configure(self._socket, host)
        try:
            if port == 0:
                self.port = self._socket.bind_to_random_port(_endpoint(host, "*").rsplit(":", 1)[0])
            else:
                self._socket.bind(_endpoint(host, port))
                self.port = port
        except zmq.ZMQError as exc:
            self.close()
            if exc.errno == errno.EADDRINUSE:
                raise PortBusyError(exc.errno, str(exc)) from None
            raise

    async def recv(self) -> tuple[str, bytes]:
        """The next ``(node_id, payload)``; decode the payload with :func:`decode`."""
        frames = await self._socket.recv_multipart()
        # [identity, payload] from a DEALER; anything else is left to decode() to refuse.
        payload = frames[-1] if len(frames) > 1 else b""
        return frames[0].decode("utf-8", "replace"), payload

    async def send(self, node_id: str, message: Message) -> None:
        """Send ``message`` to the worker ``node_id`` (dropped if it is not connected)."""
        await self._socket.send_multipart([node_id.encode(), encode(message)])

    def close(self) -> None:
        """Close the socket and its context."""
        self._socket.close(linger=0)
        self._context.term()


class WorkerSocket:
    """A worker's end: connected to the master, identified by the worker's client id."""

    def __init__(self, client_id: str, host: str, port: int) -> None:
        self._context = zmq.asyncio.Context()
        self._socket = self._context.socket(zmq.DEALER)
        self._socket.setsockopt(zmq.IDENTITY, client_id.encode())
        _configure(self._socket, host)
        self._socket.connect(_endpoint(host, port))

    async def recv(self) -> Message:
        """The next message from the master.

        Raises:
            CorruptMessageError: If the master sent something that is not a message.
        """
        return decode(await self._socket.recv())

    async def send(self, message: Message) -> None:
        """Send ``message`` to the master (queued until connected)."""
        await self._socket.send(encode(message))

    def close(self) -> None:
        """Close the socket now, dropping what is queued."""
        self._socket.close(linger=0)
        self._context.term()

    async def close_after_sending(self, linger: float) -> None:
        """Close the socket, letting queued messages go out for up to ``linger`` seconds
        (waited for off the loop: its users and monitors go on meanwhile)."""
        self._socket.close(linger=int(linger * 1000))
        await asyncio.to_thread(self._context.term)
