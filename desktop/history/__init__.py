"""Conversations that last: the history on disk and the context a new session starts
with.

- :class:`HistoryStore` keeps every conversation in SQLite as it happens.
- :func:`context_events` turns a conversation into the events that seed a new session.
- :class:`InstanceLock` tells a second running Parley that it is not the first.

These need no Qt. The Qt side is imported from its own modules: ``keeper``
(:class:`HistoryKeeper`, the conversation record written into the store) and
``instance_channel`` (a second instance asks the first to come forward).
"""

from desktop.history.context import ContextBudget, context_events, estimate_tokens
from desktop.history.instance_lock import InstanceLock
from desktop.history.paths import default_history_path
from desktop.history.records import (
    ConversationInfo,
    ConversationSummary,
    StoredEntry,
)
from desktop.history.store import HistoryStore, StoreMode

__all__ = [
    "ContextBudget",
    "ConversationInfo",
    "ConversationSummary",
    "HistoryStore",
    "InstanceLock",
    "StoreMode",
    "StoredEntry",
    "context_events",
    "default_history_path",
    "estimate_tokens",
]
