"""``gevent``, as locustfiles use it, on horde's event loop.

Locustfiles written for Locust call ``gevent.spawn`` (background checkers started from
``init``), ``gevent.sleep``, ``gevent.Timeout``, ``gevent.lock.Semaphore``,
``gevent.queue.Queue`` and ``gevent.pool.Group``. While horde runs a locustfile,
``import gevent`` gives this package: spawned functions run in bridged greenlets driven
by asyncio tasks, and waiting yields to the other users as it does under gevent. Only
that common subset exists; anything else is an import or attribute error.

``GreenletExit`` is :class:`asyncio.CancelledError`: it is what horde raises, where
they wait, in a user it stops and in a killed function.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from greenlet import getcurrent

from horde.compat.gevent.timeout import Timeout, with_timeout
from horde.exceptions import UsageError
from horde.runtime import SyncCaller, await_, in_bridge, interrupt
from horde.runtime import sleep as _cooperative_sleep

__all__ = [
    "Greenlet",
    "GreenletExit",
    "Timeout",
    "getcurrent",
    "idle",
    "iwait",
    "joinall",
    "kill",
    "killall",
    "sleep",
    "spawn",
    "spawn_later",
    "wait",
    "with_timeout",
]

logger = logging.getLogger("horde.compat.gevent")

GreenletExit = asyncio.CancelledError


def sleep(seconds: float = 0) -> None:
    """Pause the calling user (or spawned function); the others go on."""
    _cooperative_sleep(seconds)


_NUMBERS = itertools.count()


class Greenlet:
    """A function to run in the background: made by :func:`spawn`, or built and started.

    Example:
        >>> checker = Greenlet(check_health, "/health")  # doctest: +SKIP
        >>> checker.start()  # doctest: +SKIP
        >>> checker.get(timeout=5)  # doctest: +SKIP
    """

    def __init__(self, run: Callable[..., Any] | None = None, *args: Any, **kwargs: Any) -> None:
        if run is None:
            run = getattr(self, "_run", None)
            if run is None:
                raise TypeError("Greenlet needs a function to run, or a subclass with _run")
        self._call: Callable[[], Any] = functools.partial(run, *args, **kwargs)
        self.args = args
        self.kwargs = kwargs
        self.name = f"Greenlet-{next(_NUMBERS)}"
        """As gevent names them (assignable)."""
        self._task: asyncio.Task[Any] | None = None
        self._links: list[Callable[[Greenlet], Any]] = []
        self._killed: BaseException | None = None  # what killed it before it started

    def start(self) -> None:
        """Start the function, if it has not been started."""
        if self._task is None and self._killed is None:
            self._task = _loop().create_task(SyncCaller().call(self._call))
            self._task.add_done_callback(self._finished)

    def start_later(self, seconds: float) -> None:
        """Start the function after ``seconds``."""
        call = self._call

        def later() -> Any:
            sleep(seconds)
            return call()

        self._call = later
        self.start()

    @classmethod
    def spawn(cls, run: Callable[..., Any], *args: Any, **kwargs: Any) -> Greenlet:
        """Build one and start it."""
        greenlet = cls(run, *args, **kwargs)
        greenlet.start()
        return greenlet

    @classmethod
    def spawn_later(
        cls, seconds: float, run: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Greenlet:
        """Build one and start it after ``seconds``."""
        greenlet = cls(run, *args, **kwargs)
        greenlet.start_later(seconds)
        return greenlet

    def _finished(self, task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("A spawned function failed", exc_info=task.exception())
        for callback in self._links:
            callback(self)
        self._links.clear()

    def rawlink(self, callback: Callable[[Greenlet], Any]) -> None:
        """Call ``callback(self)`` on the loop once the function has ended (it must not wait)."""
        if self.dead:
            _loop().call_soon(callback, self)
        else:
            self._links.append(callback)

    def link(self, callback: Callable[[Greenlet], Any]) -> None:
        """Spawn ``callback(self)`` once the function has ended."""
        self.rawlink(lambda greenlet: spawn(callback, greenlet))

    def link_value(self, callback: Callable[[Greenlet], Any]) -> None:
        """Spawn ``callback(self)`` once the function has returned."""
        self.rawlink(lambda greenlet: greenlet.successful() and spawn(callback, greenlet))

    def link_exception(self, callback: Callable[[Greenlet], Any]) -> None:
        """Spawn ``callback(self)`` once the function has raised."""
        self.rawlink(lambda greenlet: greenlet.successful() or spawn(callback, greenlet))

    @property
    def started(self) -> bool:
        """Whether it was started (and not killed before)."""
        return self._task is not None

    @property
    def dead(self) -> bool:
        """Whether the function has finished, or was killed."""
        return self._killed is not None if self._task is None else self._task.done()

    def ready(self) -> bool:
        """Whether the function has finished (or was killed)."""
        return self.dead

    def _outcome(self) -> tuple[Any, BaseException | None]:
        """What it returned and what it raised, as gevent reports them: a kill with
        ``GreenletExit`` is a success whose value is the ``GreenletExit``."""
        task = self._task
        if task is None:
            error = self._killed
        elif not task.done():
            return None, None
        elif task.cancelled():
            error = GreenletExit()
        else:
            error = task.exception()
            if error is None:
                return task.result(), None
        if isinstance(error, GreenletExit):
            return error, None
        return None, error

    def successful(self) -> bool:
        """Whether it finished without an exception (a plain kill counts, as in gevent)."""
        return self.dead and self._outcome()[1] is None

    @property
    def value(self) -> Any:
        """What the function returned (the ``GreenletExit`` once killed; None until then)."""
        return self._outcome()[0]

    @property
    def exception(self) -> BaseException | None:
        """What the function raised, if anything (a plain kill is none, as in gevent)."""
        return self._outcome()[1]

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """What the function returned, waiting for it; what it raised is raised here.

        Raises:
            Timeout: It had not finished within ``timeout`` (or at once, without ``block``).
        """
        if not self.dead:
            if block:
                self.join(timeout)
            if not self.dead:
                raise Timeout(timeout)
        error = self.exception
        if error is not None:
            raise error
        return self.value

    def kill(
        self,
        exception: type[BaseException] | BaseException = GreenletExit,
        block: bool = True,
        timeout: float | None = None,
    ) -> None:
        """Stop the function: ``exception`` is raised in it where it waits (an unstarted
        function never runs)."""
        task = self._task
        if task is None:
            if self._killed is None:
                self._killed = exception() if isinstance(exception, type) else exception
            return
        if task.done():
            return
        if exception is GreenletExit:
            task.cancel()
        else:
            interrupt(task, exception() if isinstance(exception, type) else exception)
        if block and in_bridge():  # elsewhere (a listener of a late event) nothing can wait
            self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the function to finish (from synchronous user code)."""
        joinall([self], timeout)


def _loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise UsageError(
            "gevent.spawn() needs a running test: call it from a task, on_start, or an "
            "event listener such as init or test_start"
        ) from None


spawn = Greenlet.spawn
spawn_later = Greenlet.spawn_later


def _tasks(greenlets: Iterable[Greenlet]) -> set[asyncio.Task[Any]]:
    """The tasks of the started ``greenlets`` still running."""
    return {g._task for g in greenlets if g._task is not None and not g._task.done()}


def joinall(
    greenlets: Iterable[Greenlet], timeout: float | None = None, raise_error: bool = False
) -> list[Greenlet]:
    """Wait for every one of ``greenlets``; those that finished.

    Raises:
        BaseException: With ``raise_error``, what the first failed one raised.
    """
    greenlets = list(greenlets)
    if tasks := _tasks(greenlets):
        await_(asyncio.wait(tasks, timeout=timeout))
    if raise_error:
        for greenlet in greenlets:
            if (error := greenlet.exception) is not None:
                raise error
    return [greenlet for greenlet in greenlets if greenlet.ready()]


def iwait(
    objects: Iterable[Greenlet], timeout: float | None = None, count: int | None = None
) -> Iterator[Greenlet]:
    """Each of ``objects`` as it finishes, until ``count`` of them (all by default) have,
    or ``timeout`` passed."""
    objects = list(objects)
    wanted = len(objects) if count is None else min(count, len(objects))
    deadline = None if timeout is None else time.monotonic() + timeout
    done: list[Greenlet] = []
    while len(done) < wanted:
        if finished := [g for g in objects if g.ready() and g not in done]:
            for greenlet in finished[: wanted - len(done)]:
                done.append(greenlet)
                yield greenlet
            continue
        left = None if deadline is None else deadline - time.monotonic()
        tasks = _tasks(objects)
        if not tasks or (left is not None and left <= 0):
            return
        await_(asyncio.wait(tasks, timeout=left, return_when=asyncio.FIRST_COMPLETED))


def wait(
    objects: Sequence[Greenlet] | None = None,
    timeout: float | None = None,
    count: int | None = None,
) -> list[Greenlet]:
    """Wait until ``count`` of ``objects`` (all by default) have finished, or ``timeout``
    passed; those that finished.

    Raises:
        UsageError: Without ``objects``: horde cannot wait for the whole loop.
    """
    if objects is None:
        raise UsageError(
            "gevent.wait() needs the greenlets to wait for; horde cannot wait for every "
            "function on its loop"
        )
    return list(iwait(objects, timeout, count))


def idle() -> None:
    """Let every other user run once before going on."""
    sleep(0)


def kill(
    greenlet: Greenlet,
    exception: type[BaseException] | BaseException = GreenletExit,
    block: bool = True,
    timeout: float | None = None,
) -> None:
    """Stop ``greenlet`` (see :meth:`Greenlet.kill`)."""
    greenlet.kill(exception, block, timeout)


def killall(
    greenlets: Iterable[Greenlet],
    exception: type[BaseException] | BaseException = GreenletExit,
    block: bool = True,
    timeout: float | None = None,
) -> None:
    """Stop every one of ``greenlets``, then wait for them unless ``block`` is off."""
    greenlets = list(greenlets)
    for greenlet in greenlets:
        greenlet.kill(exception, block=False)
    if block and in_bridge():
        joinall(greenlets, timeout)
