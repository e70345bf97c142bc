"""Camera media time -> wall clock over one long connection: anchored once, kept on the wall clock.

A connection is anchored once (`camera_drivers.stream`: wall time of its first media time), then
every packet's time is `anchor + media elapsed`. A camera's clock is not ours: a crystal 50 ppm
off drifts 4 s a day, and an RTSP connection can stay up for weeks; the host's own clock may also
be stepped by NTP. `WallClock` watches the delivery delay (arrival - stamped time) of the video
packets, whose floor (the smallest delay per window) is the network's own latency, and:
- beyond `threshold_s` of drift, SLEWS: the stamped times run at most `slew_rate` faster or
  slower than media time until they are back within `settle_s` of the wall clock. Times stay
  monotonic and segments continuous (a 10 s segment's audio moves at most 20 ms against its
  video at the default 0.2 %), and real drift (ppm) is far below the slew rate;
- beyond `step_s` (a clock step, not drift), RE-ANCHORS at the next video keyframe: that packet
  is marked `rebased`, and the recorder starts a new segment there, so no segment mixes two
  time bases.
Why a floor over windows of 20 s: a packet can only arrive late, never early, so the minimum is
the honest estimate and a burst after a stall cannot move it; only a delay lasting for all of
the last `windows` windows counts as drift. Negative drift (stamped times ahead of the wall
clock: a fast camera clock) shows at once and is corrected the same way.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DriftPolicy:
    """When and how fast stamped times are brought back to the wall clock (seconds, rates)."""

    threshold_s: float = 0.5  # drift beyond this starts a correction
    settle_s: float = 0.05  # ... which goes on until the stamped times are this close again
    slew_rate: float = 0.002  # correction per second of media at most (0.2 %)
    step_s: float = 5.0  # drift beyond this is a clock step: re-anchor at the next keyframe
    window_s: float = 20.0  # arrival time per delay-floor window
    windows: int = 3  # drift = the smallest floor of the last `windows` windows, against the first


class WallClock:
    """One connection's media -> wall mapping with drift correction. Feed video packets in order."""

    def __init__(self, wall: float, media_s: float, policy: DriftPolicy | None) -> None:
        self.wall = wall  # wall time of media time `media_s` at the anchor
        self.media_s = media_s
        self.policy = policy
        self.correction = 0.0  # seconds added to every stamped time now
        self.target: float | None = None  # correction being slewed to (None: not correcting)
        self.step_pending = False
        self.rebases = 0
        self.baseline: float | None = None  # delay floor of the connection's first window
        self.floors: deque[float] = deque(maxlen=policy.windows if policy else 1)
        self.drift_s = 0.0  # latest estimate (arrival delay floor minus the first one)
        self._window_end: float | None = None
        self._window_min = float("inf")
        self._last_media: float | None = None

    def to_wall(self, media_s: float) -> float:
        """Wall time of a packet's media time (seconds on the connection's media timeline)."""
        return self.wall + (media_s - self.media_s) + self.correction

    def observe(self, media_s: float, arrival: float, keyframe: bool) -> bool:
        """Account for one video packet (media time, when it arrived) before stamping it.

        Returns True when this keyframe starts a new time base (a re-anchor after a clock step).
        """
        policy = self.policy
        if policy is None:
            return False
        raw = self.wall + (media_s - self.media_s)
        self._note_delay(arrival - raw, arrival)
        if self.step_pending and keyframe:
            return self._rebase()
        self._slew(media_s)
        return False

    def _note_delay(self, delay: float, arrival: float) -> None:
        assert self.policy is not None
        self._window_min = min(self._window_min, delay)
        if self._window_end is None:
            self._window_end = arrival + self.policy.window_s
            return
        if arrival < self._window_end:
            return
        if self.baseline is None:
            self.baseline = self._window_min
        self.floors.append(self._window_min)
        self._window_end, self._window_min = arrival + self.policy.window_s, float("inf")
        if len(self.floors) == self.floors.maxlen or min(self.floors) < self.baseline:
            self._decide(min(self.floors) - self.baseline)

    def _decide(self, drift: float) -> None:
        assert self.policy is not None
        self.drift_s = drift
        error = drift - self.correction
        if abs(error) > self.policy.step_s:
            if not self.step_pending:
                log.warning("stream clock off the wall clock by %.1f s: re-anchoring at the next keyframe", error)
            self.step_pending = True
        elif self.target is not None or abs(error) > self.policy.threshold_s:
            if self.target is None:
                log.info("stream clock drifted %.2f s from the wall clock: slewing back", error)
            self.target = drift

    def _slew(self, media_s: float) -> None:
        assert self.policy is not None
        step = 0.0 if self._last_media is None else max(0.0, media_s - self._last_media)
        self._last_media = media_s
        if self.target is None:
            return
        gap = self.target - self.correction
        limit = self.policy.slew_rate * step
        self.correction += max(-limit, min(limit, gap))
        if abs(self.drift_s - self.correction) <= self.policy.settle_s:
            self.target = None

    def _rebase(self) -> bool:
        self.correction, self.target, self.step_pending = self.drift_s, None, False
        self.rebases += 1
        return True
