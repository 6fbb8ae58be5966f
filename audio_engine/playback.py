"""The playback jitter buffer and the exact per-item accounting of what was played.

Producers (``push``/``finish``/``interrupt``) run on any thread and are
serialised by a lock that the output callback never takes. The callback
(``pull``) only reads positions the producers publish and advances its own
``read_pos``; everything it does is a bounded copy.

Accounting: every item is a list of segments ``[start, end)`` in absolute ring
positions. ``read_pos`` counts samples handed to the device, so the samples of
an item that were actually played are ``clamp(read_pos - start, 0, end - start)``
per segment. Underrun silence never advances ``read_pos``. An interrupt cuts
the segments where the consumer says the device stopped (what it had been
handed but drops unplayed is not counted).

Jitter: the buffer starts playing as soon as one device buffer of audio is
queued (or the item is complete), so audio that arrives early adds no latency.
When an unfinished item runs dry mid-stream the callback plays silence, counts
one underrun, and waits for one buffer again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from audio_engine.ring import SampleRing

Samples = npt.NDArray[np.int16]
MAX_REMEMBERED_ITEMS = 64


@dataclass
class _Segment:
    start: int
    end: int


@dataclass
class _Item:
    item_id: str
    segments: list[_Segment] = field(default_factory=list)
    finished: bool = False
    cancelled: bool = False
    reported_started: bool = False
    reported_drained: bool = False

    @property
    def first_pos(self) -> int:
        return self.segments[0].start

    @property
    def last_pos(self) -> int:
        return self.segments[-1].end

    def played(self, read_pos: int) -> int:
        return sum(min(max(read_pos - seg.start, 0), seg.end - seg.start) for seg in self.segments)


class PlaybackQueue:
    def __init__(self, capacity: int, prebuffer: int) -> None:
        self._ring = SampleRing(capacity)
        self.prebuffer = prebuffer
        self._lock = threading.Lock()
        self._items: OrderedDict[str, _Item] = OrderedDict()
        self._space_freed = threading.Condition(self._lock)
        # Published by producers, read by the callback.
        self._write_pos = 0
        self._finished_upto = 0
        self._flush_target = 0
        self._flush_requests = 0
        # Owned by the callback, read by everyone.
        self.read_pos = 0
        self._flush_acks = 0
        self._cut_pos = 0
        self._playing = False
        self.underruns = 0
        self.closed = False

    # ----- producer side -------------------------------------------------

    def push(self, item_id: str, samples: Samples, wait_timeout: float = 5.0) -> bool:
        """Queue samples for ``item_id``; False if the item was interrupted.

        Blocks while the ring is full (back-pressure on a receiver that is far
        ahead), at most ``wait_timeout`` seconds per wait; raises BufferError if
        the device stops consuming.
        """
        with self._lock:
            item = self._items.get(item_id)
            if item is not None and item.cancelled:
                return False
            offset = 0
            while offset < len(samples):
                space = self._ring.capacity - (self._write_pos - self.read_pos)
                if space <= 0:
                    if self.closed or not self._space_freed.wait(timeout=wait_timeout):
                        raise BufferError("playback buffer is full and the device is not playing")
                    if item is not None and item.cancelled:
                        return False
                    continue
                part = samples[offset : offset + space]
                item = self._append(item_id, part)
                offset += len(part)
            return True

    def _append(self, item_id: str, samples: Samples) -> _Item:
        newest = next(reversed(self._items.values()), None)
        item = self._items.get(item_id)
        if newest is not None and newest.item_id != item_id:
            newest.finished = True
            self._finished_upto = self._write_pos
        if item is None:
            item = _Item(item_id)
            self._items[item_id] = item
            self._forget_old_items()
        else:
            self._items.move_to_end(item_id)
        start = self._write_pos
        if item.segments and item.segments[-1].end == start:
            item.segments[-1].end = start + len(samples)
        else:
            item.segments.append(_Segment(start, start + len(samples)))
        item.finished = False
        item.reported_drained = False
        self._ring.write(samples)
        self._write_pos = self._ring.write_pos
        return item

    def _forget_old_items(self) -> None:
        while len(self._items) > MAX_REMEMBERED_ITEMS:
            self._items.popitem(last=False)

    def finish(self, item_id: str) -> None:
        """No more audio will come for ``item_id``: its tail may play without prebuffer."""
        with self._lock:
            item = self._items.get(item_id)
            if item is None or item.finished:
                return
            item.finished = True
            newest = next(reversed(self._items.values()))
            if newest is item:
                self._finished_upto = self._write_pos

    def interrupt(
        self,
        consumer_running: bool,
        ack_timeout: float,
        wake_consumer: Callable[[], None] | None = None,
    ) -> tuple[str | None, int]:
        """Drop everything queued; return the item that was playing and its played samples.

        A running consumer acknowledges (``wake_consumer`` makes it look now).
        """
        with self._lock:
            self._flush_target = self._write_pos
            self._flush_requests += 1
            requested = self._flush_requests
            if consumer_running and wake_consumer is not None:
                wake_consumer()
            deadline = time.monotonic() + ack_timeout
            while consumer_running and self._flush_acks != requested:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.0005)
            if self._flush_acks != requested:
                # The callback is not running: nobody else touches read_pos.
                self._cut_pos = self.read_pos
                self.read_pos = max(self.read_pos, self._flush_target)
                self._playing = False
                self._flush_acks = requested
            cut = self._cut_pos
            current = self._item_at(cut)
            for item in self._items.values():
                was_cut = any(seg.end > cut for seg in item.segments)
                for seg in item.segments:
                    seg.end = max(seg.start, min(seg.end, cut))
                # Late deltas of an interrupted response must not play.
                item.cancelled = item.cancelled or was_cut or item is current
                item.finished = True
            self._finished_upto = self._write_pos
            self._space_freed.notify_all()
            if current is None:
                return None, 0
            return current.item_id, current.played(self.read_pos)

    def _item_at(self, pos: int) -> _Item | None:
        """The item with audio still unplayed at ``pos``, or an unfinished tail."""
        for item in self._items.values():
            if any(seg.end > pos for seg in item.segments):
                return item
        newest = next(reversed(self._items.values()), None)
        if newest is not None and not newest.finished and not newest.cancelled:
            return newest
        return None

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._space_freed.notify_all()

    def reopen(self) -> None:
        with self._lock:
            self.closed = False

    # ----- consumer side (the output callback) ----------------------------

    def flush_pending(self) -> bool:
        """An ``interrupt`` waits for the consumer to acknowledge it."""
        return self._flush_requests != self._flush_acks

    def acknowledge_flush(self, unheard: int = 0) -> None:
        """Drop everything queued (consumer only).

        ``unheard``: of the samples already handed over, how many the device
        will not play (it drops its buffer); they do not count as played.
        """
        self._cut_pos = max(0, self.read_pos - unheard)
        self.read_pos = max(self.read_pos, self._flush_target)
        self._playing = False
        self._flush_acks = self._flush_requests

    def take(self, out: Samples) -> int:
        """Copy up to ``len(out)`` queued samples into ``out`` (consumer only), no padding.

        Returns how many; 0 while nothing is queued or a new start waits for
        its prebuffer (one device buffer, or the whole item if it is shorter).
        """
        write_pos = self._write_pos
        available = write_pos - self.read_pos
        if available <= 0:
            self._playing = False
            return 0
        if not self._playing:
            unfinished = write_pos > self._finished_upto
            if available < min(self.prebuffer, len(out)) and unfinished:
                return 0
            self._playing = True
        taken = min(len(out), available)
        self._ring.copy_out(self.read_pos, out[:taken])
        self.read_pos += taken
        return taken

    def pull(self, out: Samples) -> int:
        """Fill ``out`` with queued audio, padding with silence; returns real samples."""
        if self._flush_requests != self._flush_acks:
            self.acknowledge_flush()
        wanted = len(out)
        write_pos = self._write_pos
        available = write_pos - self.read_pos
        unfinished = write_pos > self._finished_upto
        if not self._playing:
            if available <= 0 or (available < min(self.prebuffer, wanted) and unfinished):
                out[:] = 0
                return 0
            self._playing = True
        taken = min(wanted, available)
        self._ring.copy_out(self.read_pos, out[:taken])
        out[taken:] = 0
        self.read_pos += taken
        if taken < wanted:
            self._playing = False
            if unfinished:
                self.underruns += 1
        return taken

    # ----- observers --------------------------------------------------------

    def played_samples(self, item_id: str) -> int:
        with self._lock:
            item = self._items.get(item_id)
            return 0 if item is None else item.played(self.read_pos)

    def expecting_more(self) -> bool:
        """The newest item is not finished: more of it may still arrive."""
        return self._write_pos > self._finished_upto

    def queued_samples(self) -> int:
        return max(0, self._write_pos - self.read_pos)

    @property
    def is_playing(self) -> bool:
        return self._write_pos > self.read_pos

    def notify_consumed(self) -> None:
        """Wake producers waiting for space (called off the audio thread)."""
        with self._lock:
            self._space_freed.notify_all()

    def take_events(self) -> tuple[list[str], list[str]]:
        """Items that started playing and items fully played since the last call."""
        started: list[str] = []
        drained: list[str] = []
        with self._lock:
            read_pos = self.read_pos
            newest = next(reversed(self._items.values()), None)
            for item in self._items.values():
                if not item.segments:
                    continue
                if not item.reported_started and read_pos > item.first_pos:
                    item.reported_started = True
                    started.append(item.item_id)
                complete = item.finished or item is not newest
                if (
                    item.reported_started
                    and not item.reported_drained
                    and complete
                    and read_pos >= item.last_pos
                ):
                    item.reported_drained = True
                    drained.append(item.item_id)
        return started, drained
