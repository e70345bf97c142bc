"""Multi-object tracking: `ByteTracker` (see `tracker.py`) and its config.

Modules: `kalman` (box filter timed in seconds), `association` (IoU + scale-normalised distance
costs, assignment), `patches` (Y-plane templates that re-confirm stationary tracks), `tracker`.
"""

from detectors.tracking.tracker import ByteTracker, TrackerConfig

__all__ = ["ByteTracker", "TrackerConfig"]
