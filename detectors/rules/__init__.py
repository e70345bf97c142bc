"""Event rules over tracks: hit-and-run/collision, intrusion, loitering, line crossing, wrong-way, tampering.

Public API: `RuleEngine` (runs a camera's rules per frame), `RulesConfig` and the per-rule config
models (YAML `rules:` section), `RuleEvent` (start / update / end steps), `default_rules()`.
Pure NumPy/OpenCV: no database, no files; the service writes events (vms.runtime.events_writer).
"""

from detectors.rules.base import RuleEvent, TrackHistory, TrackTable
from detectors.rules.config import (DEFAULT_TIMEZONE, HitAndRunConfig, IntrusionConfig, LineCrossingConfig, LoiteringConfig,
                                    RuleConfig, RulesConfig, TamperConfig, WrongWayConfig, default_rules)
from detectors.rules.engine import RuleEngine

__all__ = [
    "DEFAULT_TIMEZONE", "HitAndRunConfig", "IntrusionConfig", "LineCrossingConfig", "LoiteringConfig", "RuleConfig", "RuleEngine",
    "RuleEvent", "RulesConfig", "TamperConfig", "TrackHistory", "TrackTable", "WrongWayConfig", "default_rules",
]
