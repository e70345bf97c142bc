"""The burned-in capture time survives H.264 and the sub stream's downscale, and a reader finds it."""

from __future__ import annotations

import time

import av
import cv2
import numpy as np
import pytest

from camera_drivers.simulator import load_scene, open_simulated_stream
from camera_drivers.simulator.timecode import MODULUS, burn, read

NOW = 1_764_745_200_123  # 2025-12-03T07:00:00.123Z


@pytest.mark.parametrize("width", [640, 1280, 320])
def test_code_reads_back_at_any_width(width: int) -> None:
    image = np.full((width * 9 // 16, width, 3), 90, np.uint8)
    burn(image, NOW)
    assert read(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), NOW + 400) == NOW


def test_code_unwraps_to_the_reading_clock_and_refuses_noise() -> None:
    image = np.zeros((180, 320, 3), np.uint8)
    burn(image, NOW)
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert read(gray, NOW + MODULUS // 3) == NOW  # far from the reader's clock, still the same moment
    gray[:8, 8 * 20:8 * 21] ^= 255  # one flipped data block: parity fails
    assert read(gray, NOW) is None
    assert read(np.full((180, 320), 128, np.uint8), NOW) is None


def test_a_timecode_scene_carries_its_capture_time_through_h264() -> None:
    script = load_scene("street_day").model_copy(update={"timecode": True})
    with open_simulated_stream(script, realtime=True, loop=True, duration_s=2) as stream, \
            av.open(stream, format="mpegts") as container:
        codes = []
        for frame in container.decode(video=0):
            now = time.time() * 1000
            code = read(frame.to_ndarray(format="gray"), round(now))
            assert code is not None
            assert 0 <= now - code < 60_000  # from this run, not a stale or garbled value
            codes.append(code)
            small = frame.reformat(width=320, height=180).to_ndarray(format="gray")  # a sub-stream size
            assert read(small, round(now)) == code
    assert len(codes) >= 20 and codes == sorted(codes) and len(set(codes)) == len(codes)
