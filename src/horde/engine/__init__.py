"""The engine: environment, runner, user dispatch, spawn pacing, load shapes, open model."""

from horde.engine._arrival import (
    DEFAULT_MAX_CONCURRENCY,
    ArrivalCounts,
    ArrivalExecutor,
    SharedArrivals,
)
from horde.engine._blame import describe_blocking_frame
from horde.engine._debug import run_single_user
from horde.engine._dispatch import UserSequence, interleave, ramp_batches
from horde.engine._environment import Environment, runnable
from horde.engine._message import Message
from horde.engine._rate import ArrivalRate, RatePlateau
from horde.engine._ratio import task_ratios
from horde.engine._runner import LocalRunner
from horde.engine._shape import LoadTestShape, ShapeTick
from horde.engine._states import (
    STATE_CLEANUP,
    STATE_INIT,
    STATE_MISSING,
    STATE_RUNNING,
    STATE_SPAWNING,
    STATE_STOPPED,
    STATE_STOPPING,
)
from horde.engine._step import Step, StepLoadShape

__all__ = [
    "DEFAULT_MAX_CONCURRENCY",
    "STATE_CLEANUP",
    "STATE_INIT",
    "STATE_MISSING",
    "STATE_RUNNING",
    "STATE_SPAWNING",
    "STATE_STOPPED",
    "STATE_STOPPING",
    "ArrivalCounts",
    "ArrivalExecutor",
    "ArrivalRate",
    "Environment",
    "LoadTestShape",
    "LocalRunner",
    "Message",
    "RatePlateau",
    "ShapeTick",
    "SharedArrivals",
    "Step",
    "StepLoadShape",
    "UserSequence",
    "describe_blocking_frame",
    "interleave",
    "ramp_batches",
    "run_single_user",
    "runnable",
    "task_ratios",
]
