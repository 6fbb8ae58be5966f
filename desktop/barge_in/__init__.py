"""Barge-in: what was played and heard, the echo guard, and the one way to interrupt."""
