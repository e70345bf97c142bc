"""Offline analysis through the same per-camera engine as live cameras (`detectors.analysis`):
video files (`file`: `vms analyze`, benchmarks on real clips) and rendered simulator scenes
(`scene`: the rule evaluation and its tests)."""
