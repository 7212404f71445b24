# Temporary re-export while the module is renamed to horde.event; removed before commit.
from horde.event import *  # noqa: F403
from horde.event import EventHook, Events, RequestHook, RequestSink  # noqa: F401
