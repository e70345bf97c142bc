"""Hit-and-run and collision over tracks.

1. Contact (vectorised over all vehicle x victim pairs of a frame): the boxes overlap in x, their
   bottom edges (ground contact points) are at nearly the same depth, the vehicle is moving and
   closes in on the victim. A victim the detector lost in the last half second takes part at its
   predicted place (it is often lost just before the impact). Boxes that overlap only because one object is behind the other in
   the picture have bottom edges far apart, so adjacent lanes do not "touch".
2. Victim outcome within `outcome_window_s` of contact: falls (box turns wide and low and its top
   comes down: legs hidden behind a nearer object passing in front are not a fall), stops
   abruptly (moving at contact, stopped soon after, stays stopped), or vanishes away from the
   frame edge (id breaks are re-linked upstream, so a short occlusion is not a vanish).
3. Vehicle outcome: leaves the view (lost at the frame edge, or lost for long while driving on)
   or drives on several widths from the contact without a long stop -> `hit_and_run` (alert at
   once); stops for longer than `max_vehicle_stop_s` while the victim is down, or is lost for
   long in mid-view while braking or still by the contact (a stopped car the detector stops
   finding) -> `collision`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from detectors.frame import Frame
from detectors.rules.base import RELINK_GROUP, RuleEvent, TrackHistory, TrackTable
from detectors.rules.config import HitAndRunConfig, class_ids
from detectors.zones import points_near_edge


CLOSING_S = 0.4  # look-back for the closing speed
RECENT_LOST_S = 0.5  # a victim the detector lost this recently still takes part in contacts
STOP_NEAR_WIDTHS = 0.75  # a vehicle lost this close to the contact (its widths) had not driven off
SWEEP_STEP_S = 0.05  # between two analysed frames the contact is tested this often
SWEEP_MAX_S = 0.7  # ... across a gap of at most this long (a track unseen longer is not interpolated)
NEW_ID_OVERLAP_S = 0.25  # a track born this long before the contact may be the vehicle under a new id
EXIT_AHEAD_S = 1.0  # a vehicle lost while driving on is where its last speed takes it, for up to this long unseen
MOVING_WINDOW_S = 1.0  # "the victim was moving" is its net displacement over this long before the contact


@dataclass(slots=True)
class Contact:
    """A vehicle-victim contact under watch."""

    vehicle: int
    victim: int
    first_victim: int  # the victim's id at the contact (it may be followed to a new id later)
    ts: float
    place: tuple[float, float]
    victim_speed_h: float
    victim_aspect: float
    victim_height: float
    victim_top: float  # top row of the victim's box around the contact
    vehicle_width: float
    vehicle_height: float
    vehicle_speed_h: float  # vehicle speed at contact, heights/s
    closing_px_s: float
    frame: Frame | None
    boxes: np.ndarray
    outcome: str | None = None
    outcome_ts: float | None = None
    stop_since: float | None = None  # victim stopped since
    last_ts: float = 0.0  # last frame this contact was looked at
    hidden_s: float = 0.0  # time the victim was unseen behind another object
    uncovered_since: float | None = None
    expired: bool = False  # no incident: drop it  # victim unseen and its spot not covered by another object since
    vehicle_stop_since: float | None = None
    evidence: dict = field(default_factory=dict)


@dataclass(slots=True)
class Previous:
    """Each table row at the analysed frame before this one (for the swept contact test): time,
    box and anchor velocity then. A row without one (a new track) has this frame's, so it is
    not swept; a victim the detector lost (a predicted row) has its last seen box."""

    ts: np.ndarray  # (n,)
    xyxy: np.ndarray  # (n, 4)
    velocity: np.ndarray  # (n, 2)


def previous_boxes(table: TrackTable, history: TrackHistory) -> Previous:
    """The `Previous` of every row of `table`, from the track history."""
    ts = np.full(len(table), table.ts, np.float64)
    boxes = table.xyxy.astype(np.float64).copy()
    velocity = table.velocity.astype(np.float64).copy()
    for i, sid in enumerate(table.track_id.tolist()):
        hist = history.tracks.get(sid)
        if hist is None or not hist.samples:
            continue
        last = hist.samples[-1]
        if last[0] < table.ts:  # a lost victim at its predicted place: from where it was last seen
            prev, vel = last, hist.velocity
        elif len(hist.samples) > 1:
            prev, vel = hist.samples[-2], hist.prev_velocity
        else:
            continue
        if table.ts - prev[0] <= SWEEP_MAX_S:
            ts[i], boxes[i], velocity[i] = prev[0], prev[1:], vel
    return Previous(ts, boxes, velocity)


def contact_pairs(table: TrackTable, cfg: HitAndRunConfig,
                  previous: Previous | None = None) -> list[tuple[int, int, float, float]]:
    """Vehicle-victim pairs that touched since the analysed frame before (`previous`, from
    `previous_boxes`; None: this frame only).

    Between two analysed frames (0.2 s at 5 fps) both boxes are interpolated and the test runs
    every SWEEP_STEP_S: a side impact at speed lasts less than 0.2 s in the picture, so a
    per-frame overlap would see the vehicle before and past the victim, never on it.

    Returns:
        [(vehicle row, victim row, closing speed px/s, time of the first touch)].
    """
    veh = np.isin(table.class_id, list(class_ids(cfg.vehicles)))
    vic = np.isin(table.class_id, list(class_ids(cfg.victims)))
    vi, ui = np.flatnonzero(veh), np.flatnonzero(vic)
    if len(vi) == 0 or len(ui) == 0:
        return []
    if previous is None:
        previous = Previous(np.full(len(table), table.ts), table.xyxy.astype(np.float64), table.velocity)
    # Two vehicles (two motorbikes, a car and a motorbike): the faster one is the one that hits.
    # A person or a bicycle is a victim at any speed: a cyclist crossing in front of a car that
    # comes towards the camera moves faster in the picture than the car does.
    victim_is_vehicle = np.isin(table.class_id[ui], list(class_ids(cfg.vehicles)))[None, :]
    faster_if_vehicle = ~victim_is_vehicle | (table.speed_h[vi][:, None] >= table.speed_h[ui][None, :])
    able = ((table.speed_h[vi][:, None] >= cfg.min_vehicle_speed) & faster_if_vehicle
            & (table.track_id[vi][:, None] != table.track_id[ui][None, :])
            & _hulls_near(previous.xyxy, table.xyxy, vi, ui, cfg))
    r, c = np.nonzero(able)
    if not len(r):
        return []
    pv, pu = vi[r], ui[c]  # candidate pairs, as table rows
    start = np.maximum(previous.ts[pv], previous.ts[pu])  # both boxes are known from here to now
    n_steps = int(np.ceil(float(np.max(table.ts - start)) / SWEEP_STEP_S - 1e-9)) + 1
    found = np.zeros(len(pv), bool)
    closing_at = np.zeros(len(pv))
    touch_ts = np.full(len(pv), table.ts)
    for s in np.linspace(0.0, 1.0, n_steps) if n_steps > 1 else (1.0,):
        t = start + (table.ts - start) * s
        ok, closing = _touch_at(table, previous, pv, pu, t, cfg)
        new = ok & ~found
        closing_at[new], touch_ts[new] = closing[new], t[new]
        found |= ok
    return [(int(pv[k]), int(pu[k]), float(closing_at[k]), float(touch_ts[k])) for k in np.flatnonzero(found)]


def _hulls_near(prev: np.ndarray, now: np.ndarray, vi: np.ndarray, ui: np.ndarray, cfg: HitAndRunConfig) -> np.ndarray:
    """(len(vi), len(ui)) pairs whose boxes swept from `prev` to `now` come near each other at
    all: a cheap filter before the timed test (most frames have no candidate)."""
    lo, hi = np.minimum(prev, now).astype(np.float64), np.maximum(prev, now).astype(np.float64)
    height = np.maximum(now[:, 3] - now[:, 1], prev[:, 3] - prev[:, 1]).astype(np.float64)
    h = np.minimum(height[vi][:, None], height[ui][None, :])
    x_overlap = np.minimum(hi[vi, 2][:, None], hi[ui, 2][None, :]) - np.maximum(lo[vi, 0][:, None], lo[ui, 0][None, :])
    depth_gap = np.maximum(lo[vi, 3][:, None], lo[ui, 3][None, :]) - np.minimum(hi[vi, 3][:, None], hi[ui, 3][None, :])
    return (x_overlap > -cfg.contact_gap * h) & (depth_gap <= cfg.contact_depth * h)


def _at(previous: Previous, table: TrackTable, rows: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(k, 4) boxes and (k, 2) velocities of table `rows` at times `t` (k,), linear between the
    analysed frame before and now."""
    span = table.ts - previous.ts[rows]
    a = np.where(span > 1e-9, (t - previous.ts[rows]) / np.maximum(span, 1e-9), 1.0)[:, None]
    boxes = previous.xyxy[rows] * (1 - a) + table.xyxy[rows].astype(np.float64) * a
    return boxes, previous.velocity[rows] * (1 - a) + table.velocity[rows] * a


def _touch_at(table: TrackTable, previous: Previous, pv: np.ndarray, pu: np.ndarray,
              t: np.ndarray, cfg: HitAndRunConfig) -> tuple[np.ndarray, np.ndarray]:
    """Contact test for pairs (pv[k], pu[k]) at times t[k]: (ok, closing speed px/s)."""
    (a, va), (b, vb) = _at(previous, table, pv, t), _at(previous, table, pu, t)
    ha, hb = np.maximum(a[:, 3] - a[:, 1], 1.0), np.maximum(b[:, 3] - b[:, 1], 1.0)
    h_min = np.minimum(ha, hb)
    x_overlap = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    depth_gap = np.abs(a[:, 3] - b[:, 3])
    rel = va - vb  # vehicle relative to victim
    towards = np.stack([(b[:, 0] + b[:, 2] - a[:, 0] - a[:, 2]) / 2, b[:, 3] - a[:, 3]], axis=1)
    # How fast the gap shrank over the last CLOSING_S (positions then = now - velocity * CLOSING_S):
    # robust when the anchors nearly coincide at impact, where a direction would be noise.
    then = towards + rel * CLOSING_S
    closing = (np.hypot(then[:, 0], then[:, 1]) - np.hypot(towards[:, 0], towards[:, 1])) / CLOSING_S
    # A few pixels of gap still count: boxes lag a fast vehicle.
    ok = ((x_overlap > -cfg.contact_gap * h_min) & (depth_gap <= cfg.contact_depth * h_min)
          & (closing >= cfg.min_closing_speed * ha))
    return ok, closing


def with_recently_lost_victims(table: TrackTable, history: TrackHistory, cfg: HitAndRunConfig) -> TrackTable:
    """The table plus a row for every victim-class track lost within RECENT_LOST_S, away from
    the frame edge, at the place its last velocity predicts. The detector often loses a victim
    in the last frames before the impact (the vehicle covers it, or it is falling); the contact
    test must still see it there. Only for contacts: outcomes read the real table."""
    if not len(table.lost_id) or not np.isin(table.class_id, list(class_ids(cfg.vehicles))).any():
        return table  # nothing lost, or no vehicle to be in contact with: no work per frame
    victims = class_ids(cfg.victims)
    rows = []
    for k, sid in enumerate(table.lost_id.tolist()):
        age = table.ts - float(table.lost_ts[k])
        hist = history.tracks.get(sid)
        if age > RECENT_LOST_S or hist is None or hist.class_id not in victims:
            continue
        box = table.lost_xyxy[k] + np.tile(hist.velocity * age, 2).astype(np.float32)
        anchor = np.array([(box[0] + box[2]) / 2, box[3]], np.float64)
        if points_near_edge(anchor, table.frame_wh, cfg.edge_margin * table.frame_wh[0])[0]:
            continue  # it walked out of the picture
        rows.append((sid, hist.class_id, box, anchor, hist.velocity))
    if not rows:
        return table
    ids, classes, boxes, anchors, velocities = (np.asarray(col) for col in zip(*rows))
    height = np.maximum((boxes[:, 3] - boxes[:, 1]).astype(np.float64), 1.0)
    speed_h = np.hypot(velocities[:, 0], velocities[:, 1]) / height
    return replace(
        table,
        track_id=np.concatenate([table.track_id, ids.astype(np.int64)]),
        class_id=np.concatenate([table.class_id, classes.astype(np.int32)]),
        xyxy=np.concatenate([table.xyxy, boxes.astype(np.float32)]),
        anchor=np.concatenate([table.anchor, anchors]),
        height=np.concatenate([table.height, height]),
        velocity=np.concatenate([table.velocity, velocities.astype(np.float64)]),
        speed_h=np.concatenate([table.speed_h, speed_h]),
    )


def _net_speed_h(samples: np.ndarray, fallback: float) -> float:
    """Net speed of the (k, 5) samples' anchor over their span, in box heights/s: how fast the
    object really went. A standing person's box jitters a few px each frame, which a velocity
    over two or three samples (5 fps) reads as walking; its net displacement over a second is
    near zero. `fallback` when the span is too short to tell."""
    if len(samples) < 2 or samples[-1, 0] - samples[0, 0] < 0.5 * MOVING_WINDOW_S:
        return fallback
    first, last = samples[0], samples[-1]
    shift = np.hypot((last[1] + last[3] - first[1] - first[3]) / 2, last[4] - first[4])
    height = max(float(np.median(samples[:, 4] - samples[:, 2])), 1.0)
    return float(shift / (last[0] - first[0]) / height)


def _touches_border(boxes: np.ndarray, frame_wh: tuple[int, int], margin: float) -> bool:
    """Any of the (k, 4) boxes within `margin` px of the frame border."""
    w, h = frame_wh
    return bool(np.any((boxes[:, 0] <= margin) | (boxes[:, 1] <= margin)
                       | (boxes[:, 2] >= w - margin) | (boxes[:, 3] >= h - margin)))


def _covered(box: np.ndarray, others: np.ndarray) -> float:
    """Largest fraction of `box` (4,) covered by one of `others` (n, 4)."""
    if len(others) == 0:
        return 0.0
    lo = np.maximum(box[:2], others[:, :2])
    hi = np.minimum(box[2:], others[:, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    area = max(float((box[2] - box[0]) * (box[3] - box[1])), 1e-6)
    return float(inter.max() / area)


def _hard_contact(c: Contact, cfg: HitAndRunConfig) -> bool:
    """Hit at speed: the gap closed fast, or the vehicle itself was fast (vehicle heights/s). A car
    coming towards the camera closes on a crossing walker slowly in the picture (it grows more
    than it moves) while it drives at full speed; a queue touches bumpers at a crawl either way."""
    need = cfg.min_closing_no_fall
    return c.closing_px_s >= need * c.vehicle_height or c.vehicle_speed_h >= need


HEAD_DROP = 0.5  # share of the lost height the box top must come down by for a fall


def _head_came_down(c: Contact, box: np.ndarray) -> bool:
    """A fall brings the head down: the box top drops by at least HEAD_DROP of the height the box
    lost. A box that is short only because a nearer object passing in front hides the legs keeps
    its top where it was."""
    lost = c.victim_height - float(box[3] - box[1])
    return float(box[1]) - c.victim_top >= HEAD_DROP * lost


class HitAndRunRule:
    """Stateful per camera; `update` once per processed frame."""

    def __init__(self, config: HitAndRunConfig) -> None:
        self.cfg = config
        self.contacts: dict[tuple[int, int], Contact] = {}
        self.open: dict[str, tuple[RuleEvent, int]] = {}  # key -> (start event, victim id)
        self.flagged: dict[int, float] = {}  # victim or vehicle id -> time of its event
        self._n = 0

    def update(self, table: TrackTable, history: TrackHistory, frame: Frame | None,
               blind: bool = False) -> list[RuleEvent]:
        """One frame. `blind`: the view is unreliable (tamper, mass loss): no decisions meanwhile."""
        out: list[RuleEvent] = []
        if blind:  # decide nothing while the view is unreliable; watched contacts keep ageing
            self.contacts = {k: c for k, c in self.contacts.items() if table.ts - c.ts <= self.cfg.outcome_window_s}
            return self._close_events(table)
        seen = with_recently_lost_victims(table, history, self.cfg)
        previous = previous_boxes(seen, history)
        for vrow, urow, closing, touch_ts in contact_pairs(seen, self.cfg, previous):
            self._add_contact(seen, history, vrow, urow, closing, touch_ts, previous, frame)
        for key in list(self.contacts):
            contact = self.contacts.get(key)
            if contact is None:  # dropped by an event raised earlier in this loop
                continue
            event = self._advance(contact, table, history)
            if event is not None:
                out.append(event)
                self.contacts.pop(key, None)
            elif contact.expired or table.ts - contact.ts > self.cfg.watch_s:
                del self.contacts[key]
        out += self._close_events(table)
        return out

    def _add_contact(self, table: TrackTable, history: TrackHistory, vrow: int, urow: int, closing: float,
                     touch_ts: float, previous: Previous, frame: Frame | None) -> None:
        veh, vic = int(table.track_id[vrow]), int(table.track_id[urow])
        if (veh, vic) in self.contacts or (vic, veh) in self.contacts or veh in self.flagged or vic in self.flagged:
            return  # (vic, veh): two vehicles touched; the roles are those of the first touch
        rows = np.array([vrow, urow])
        (vbox, ubox), (vvel, _) = _at(previous, table, rows, np.full(2, touch_ts))  # where and how fast they touched
        before = history.samples(vic, touch_ts - MOVING_WINDOW_S)
        before = before[before[:, 0] <= touch_ts + 1e-6]
        if not len(before):  # a new track: only its box now
            before = np.array([[table.ts, *table.xyxy[urow]]], np.float64)
        wh = before[:, 3:5] - before[:, 1:3]
        aspect = float(np.median(wh[:, 0] / np.maximum(wh[:, 1], 1e-6)))
        place = (float((vbox[0] + vbox[2] + ubox[0] + ubox[2]) / 4), float(ubox[3]))
        self.contacts[(veh, vic)] = Contact(
            vehicle=veh, victim=vic, first_victim=vic, ts=touch_ts, last_ts=table.ts, place=place,
            victim_speed_h=_net_speed_h(before, float(table.speed_h[urow])),
            victim_aspect=aspect, victim_height=float(np.median(wh[:, 1])), victim_top=float(np.median(before[:, 2])),
            vehicle_width=float(vbox[2] - vbox[0]), vehicle_height=float(max(vbox[3] - vbox[1], 1.0)),
            vehicle_speed_h=float(np.hypot(*vvel) / max(vbox[3] - vbox[1], 1.0)),
            closing_px_s=closing,
            frame=frame, boxes=table.xyxy[[vrow, urow]].copy(),
        )

    def _advance(self, c: Contact, table: TrackTable, history: TrackHistory) -> RuleEvent | None:
        cfg = self.cfg
        vrow = table.row(c.vehicle)
        moving = vrow is not None and table.speed_h[vrow] >= cfg.stop_speed * 2
        if vrow is not None:  # the vehicle's stop clock runs from the contact on
            if moving:
                c.vehicle_stop_since = None
            elif c.vehicle_stop_since is None:
                c.vehicle_stop_since = table.ts
        if c.outcome is None:
            c.outcome = self._victim_outcome(c, table, history)
            c.outcome_ts = table.ts if c.outcome else None
            c.last_ts = table.ts
            stopped_s = table.ts - c.vehicle_stop_since if c.vehicle_stop_since is not None else 0.0
            if (c.outcome is None and stopped_s >= cfg.max_vehicle_stop_s and c.hidden_s >= 0.8 * stopped_s
                    and _hard_contact(c, cfg)):
                c.outcome, c.outcome_ts = "hidden_by_vehicle", table.ts  # hit hard, then stopped over the victim
                return self._raise("collision", c, table.ts, {"vehicle_stopped_s": round(stopped_s, 2)})
            if c.outcome is None:
                # Time the victim spent hidden behind something does not count against the window.
                if table.ts - c.ts - c.hidden_s > cfg.outcome_window_s:
                    c.expired = True  # near miss
                return None
        if c.outcome == "stopped" and not self._still_stopped(c, table):
            c.expired = True  # the victim rode on: it was traffic, not a casualty
            return None
        if vrow is not None:
            if c.vehicle_stop_since is not None and table.ts - c.vehicle_stop_since >= cfg.max_vehicle_stop_s:
                return self._raise("collision", c, table.ts,
                                   {"vehicle_stopped_s": round(table.ts - c.vehicle_stop_since, 2)})
            far = np.hypot(*(table.anchor[vrow] - np.asarray(c.place))) >= cfg.drive_off_widths * c.vehicle_width
            if moving and far:
                return self._raise("hit_and_run", c, table.ts, {"vehicle_exit": "drove_off"})
            return None
        gone = self._vehicle_gone(c, table, history)
        if gone == "lost_while_stopping":  # it stopped by the victim and the detector lost it: it stayed
            return self._raise("collision", c, table.ts, {"vehicle_exit": gone})
        if gone is not None:
            return self._raise("hit_and_run", c, table.ts, {"vehicle_exit": gone})
        return None

    def _victim_outcome(self, c: Contact, table: TrackTable, history: TrackHistory) -> str | None:
        cfg = self.cfg
        if c.victim != c.first_victim and table.row(c.first_victim) is not None and c.first_victim != c.vehicle:
            # The victim seen again under its own id is the victim: the track taken for it
            # meanwhile (the nearest one where it was lost) may be a bystander a few steps away.
            c.victim = c.first_victim
        urow = table.row(c.victim)
        if urow is None:
            lost = np.flatnonzero(table.lost_id == c.victim)
            if not len(lost):
                # Lost longer than the history keeps it: while something (the vehicle that stopped
                # over it) still covers where it was hit, it is still hidden there.
                if _covered(c.boxes[1], table.xyxy) >= 0.3:
                    c.hidden_s += table.ts - c.last_ts
                return None
            k = int(lost[0])
            box = table.lost_xyxy[k]
            anchor = np.array([[(box[0] + box[2]) / 2, box[3]]])
            margin = cfg.edge_margin * table.frame_wh[0]
            # Hidden behind a nearer object is not vanished: wait until nothing covers the spot.
            # A fresh track of a victim class where the victim should be is the victim, seen again.
            hist = history.tracks.get(c.victim)
            shift = hist.velocity * (table.ts - float(table.lost_ts[k])) if hist is not None else np.zeros(2)
            moved = box + np.array([shift[0], shift[1], shift[0], shift[1]], np.float32)
            again = self._reappeared(c, box, table, history)
            if again is not None:  # the victim under a new id (e.g. seen again after the vehicle passed)
                c.victim = again
                c.uncovered_since = None
                return self._victim_outcome(c, table, history)
            if (max(_covered(box, table.xyxy), _covered(moved, table.xyxy)) >= 0.3
                    or points_near_edge(anchor, table.frame_wh, margin)[0]):
                c.uncovered_since = None
                c.hidden_s += table.ts - c.last_ts
                return None
            c.uncovered_since = c.uncovered_since or table.ts
            if min(table.ts - table.lost_ts[k], table.ts - c.uncovered_since) >= cfg.vanish_s:
                return "vanished"
            return None
        recent = history.samples(c.victim, table.ts - 0.4)
        if _touches_border(recent[:, 1:5], table.frame_wh, 2.0):
            return None  # a box cut by the frame edge changes shape without falling
        wh = recent[:, 3:5] - recent[:, 1:3]
        aspect = float(np.median(wh[:, 0] / np.maximum(wh[:, 1], 1e-6)))
        height = float(np.median(wh[:, 1]))
        if aspect >= cfg.fall_aspect_ratio * c.victim_aspect and height <= (1 - cfg.fall_height_drop) * c.victim_height:
            # Short and wide because a nearer object hides the legs is not a fall: wait and see.
            return "fell" if _head_came_down(c, np.median(recent[:, 1:5], axis=0)) else None
        if c.victim_speed_h < cfg.moving_speed or not _hard_contact(c, cfg):
            return None  # a stop only counts after a hard, fast contact with a moving victim
        speed = float(table.speed_h[urow])
        if c.stop_since is not None and speed >= 2 * cfg.stop_speed:  # hysteresis: box jitter is not moving
            c.stop_since = None
            return None
        if speed >= cfg.stop_speed and c.stop_since is None:
            return None
        if c.stop_since is None:
            if table.ts - c.ts > cfg.stop_within_s:
                return None
            c.stop_since = table.ts
        return "stopped" if table.ts - c.stop_since >= cfg.stop_hold_s else None

    def _still_stopped(self, c: Contact, table: TrackTable) -> bool:
        row = table.row(c.victim)
        return row is None or table.speed_h[row] < 2 * self.cfg.stop_speed

    def _reappeared(self, c: Contact, box: np.ndarray, table: TrackTable, history: TrackHistory) -> int | None:
        """Another victim-class track near the victim's last or predicted spot (an id the history did not re-link)."""
        rows = np.flatnonzero(np.isin(table.class_id, list(class_ids(self.cfg.victims)))
                              & (table.track_id != c.vehicle))
        if len(rows) == 0:
            return None
        last = np.array([(box[0] + box[2]) / 2, box[3]])
        lost = np.flatnonzero(table.lost_id == c.victim)
        dt = table.ts - float(table.lost_ts[lost[0]]) if len(lost) else 0.0
        hist = history.tracks.get(c.victim)
        pred = last + (hist.velocity * dt if hist is not None else 0.0)
        radius = 1.5 * max(float(box[2] - box[0]), float(box[3] - box[1]), c.victim_height)
        d = np.minimum(np.hypot(*(table.anchor[rows] - last).T), np.hypot(*(table.anchor[rows] - pred).T))
        best = int(np.argmin(d))
        return int(table.track_id[rows[best]]) if d[best] <= radius else None

    def _vehicle_gone(self, c: Contact, table: TrackTable, history: TrackHistory) -> str | None:
        """How the vehicle left: "left_view" (lost at the frame edge), "lost" (unseen long, last
        seen driving on), "lost_while_stopping" (unseen long, last seen braking or still by the
        contact: a stopped car the detector no longer finds, not a car that fled), or None."""
        lost = np.flatnonzero(table.lost_id == c.vehicle)
        if not len(lost):
            return "lost" if table.ts - c.ts > 1.0 else None  # forgotten by the history: long gone
        k = int(lost[0])
        unseen = table.ts - table.lost_ts[k]
        box = table.lost_xyxy[k]
        stayed = self._stayed_under_new_id(c, box, table, history)
        if stayed is not None:  # the same vehicle, stopped where it was last seen
            c.vehicle = stayed
            return None
        margin = self.cfg.edge_margin * table.frame_wh[0]
        hist = history.tracks.get(c.vehicle)
        if not self._braking_when_lost(c, box, history) and hist is not None:
            # Driving on when last seen: where its last speed has taken it by now (at most EXIT_AHEAD_S). A car
            # leaving towards the camera is lost as its box reaches the bottom edge.
            box = box + np.tile(hist.velocity * min(unseen, EXIT_AHEAD_S), 2).astype(np.float32)
        if _touches_border(box[None], table.frame_wh, margin) and unseen >= self.cfg.left_view_s:
            return "left_view"
        if unseen >= self.cfg.lost_vehicle_s:
            return "lost_while_stopping" if self._stopping_when_lost(c, table.lost_xyxy[k], history) else "lost"
        return None

    def _stayed_under_new_id(self, c: Contact, box: np.ndarray, table: TrackTable, history: TrackHistory) -> int | None:
        """A stopped track of the vehicle's class group within one vehicle width of where the lost
        vehicle was last seen, that was not tracked there before the contact (a new id, or the id
        of the contact's first victim once the victim was found under another: at the impact the
        tracker may hand the victim's id to the vehicle): the vehicle stayed and only its id changed."""
        group = RELINK_GROUP.get(history.class_of(c.vehicle) or -1)
        last = np.array([(box[0] + box[2]) / 2, box[3]], np.float64)
        for r in range(len(table)):
            sid = int(table.track_id[r])
            if sid in (c.vehicle, c.victim) or RELINK_GROUP.get(int(table.class_id[r])) != group:
                continue
            if table.speed_h[r] >= 2 * self.cfg.stop_speed or np.hypot(*(table.anchor[r] - last)) > c.vehicle_width:
                continue
            born = history.samples(sid, -np.inf)[0, 0]
            if sid == c.first_victim or born > c.ts - NEW_ID_OVERLAP_S:
                return sid
        return None

    def _braking_when_lost(self, c: Contact, box: np.ndarray, history: TrackHistory) -> bool:
        """Last seen below half its speed at the contact."""
        hist = history.tracks.get(c.vehicle)
        height = max(float(box[3] - box[1]), 1.0)
        speed_h = float(np.hypot(*hist.velocity)) / height if hist is not None else 0.0
        return speed_h < 0.5 * c.vehicle_speed_h

    def _stopping_when_lost(self, c: Contact, box: np.ndarray, history: TrackHistory) -> bool:
        """Last seen in the middle of the view, braking or still within STOP_NEAR_WIDTHS of the
        contact: a car that fled was last seen driving away."""
        anchor = np.array([(box[0] + box[2]) / 2, box[3]], np.float64)
        near = float(np.hypot(*(anchor - np.asarray(c.place)))) <= STOP_NEAR_WIDTHS * c.vehicle_width
        return near or self._braking_when_lost(c, box, history)

    def _raise(self, kind: str, c: Contact, ts: float, extra: dict) -> RuleEvent:
        self._n += 1
        key = f"{self.cfg.name}:{kind}:{self._n}"
        self.flagged[c.vehicle] = ts
        self.flagged[c.victim] = ts
        evidence = {
            "contact_ts": round(c.ts, 3), "contact_xy": [round(c.place[0], 1), round(c.place[1], 1)],
            "closing_speed_px_s": round(c.closing_px_s, 1), "victim_outcome": c.outcome,
            "outcome_ts": round(c.outcome_ts or ts, 3), "alert_delay_s": round(ts - c.ts, 3), **extra,
        }
        event = RuleEvent(key=key, phase="start", type=kind, rule=self.cfg.name, start_ts=c.ts, ts=ts,
                          severity="alarm", objects=[(c.vehicle, "vehicle"), (c.victim, "victim")],
                          evidence=evidence, frame=c.frame, boxes=c.boxes)
        self.open[key] = (event, c.victim)
        # Other contacts with the same victim are the same incident.
        ids = {c.victim, c.vehicle}
        self.contacts = {k: v for k, v in self.contacts.items() if v.victim not in ids and v.vehicle not in ids}
        return event

    def _close_events(self, table: TrackTable) -> list[RuleEvent]:
        """End an event when the victim gets going again, is long gone, or at `event_max_s`."""
        out = []
        for key, (start, victim) in list(self.open.items()):
            row = table.row(victim)
            recovered = row is not None and table.speed_h[row] >= self.cfg.moving_speed and table.ts - start.ts > 2.0
            gone = row is None and victim not in set(table.lost_id.tolist())
            if recovered or gone or table.ts - start.start_ts >= self.cfg.event_max_s:
                out.append(RuleEvent(key=key, phase="end", type=start.type, rule=start.rule, start_ts=start.start_ts,
                                     ts=table.ts, end_ts=table.ts, severity=start.severity, objects=start.objects))
                del self.open[key]
        for tid, when in list(self.flagged.items()):
            if table.ts - when > self.cfg.event_max_s:
                del self.flagged[tid]
        return out
