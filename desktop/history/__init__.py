"""Conversations that last: the history on disk. No Qt.

- :class:`HistoryStore` keeps every conversation in SQLite as it happens.
- :class:`InstanceLock` tells a second running Parley that it is not the first.
"""

from desktop.history.instance_lock import InstanceLock
from desktop.history.paths import default_history_path
from desktop.history.records import (
    ConversationInfo,
    ConversationSummary,
    StoredEntry,
)
from desktop.history.store import HistoryStore, StoreMode

__all__ = [
    "ConversationInfo",
    "ConversationSummary",
    "HistoryStore",
    "InstanceLock",
    "StoreMode",
    "StoredEntry",
    "default_history_path",
]
