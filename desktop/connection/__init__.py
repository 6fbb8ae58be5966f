"""The link to a Realtime server: the receiver and sender threads, backends, the
session configuration, and the lifecycle of sessions (connect, reconnect, renew)."""
