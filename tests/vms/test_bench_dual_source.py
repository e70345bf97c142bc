"""bench/dual_source.py: a clip becomes a 1080p main + 640x360 sub pair with exact frame times.

bench/scale.py and bench/ingest.py feed cameras from these files, so the properties they rely on
are checked here on a small made-up clip (a 4:3 picture, as most shared clips are).
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from bench.dual_source import MAIN_SIZE, SUB_SIZE, make_dual_clip
from tests.media import make_h264_file


def _read(path: Path) -> tuple[tuple[int, int], list[float], list[bool], float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        packets = [p for p in container.demux(stream) if p.size]
        times = sorted(round(float(p.pts * stream.time_base) * float(stream.average_rate), 6) for p in packets)
        return ((stream.width, stream.height), times,
                [bool(p.is_keyframe) for p in sorted(packets, key=lambda p: p.pts)], float(stream.average_rate))


def test_pair_has_both_sizes_same_times_keyframe_every_second_and_repeats(tmp_path: Path) -> None:
    source = make_h264_file(tmp_path / "src.mp4", seconds=1.0, fps=10, gop=30, width=320, height=240)
    clip = make_dual_clip(source, tmp_path / "out", min_seconds=2.5)
    assert clip.fps == 10 and clip.source_frames == 10 and clip.frames == 30  # 3 passes cover 2.5 s
    assert clip.source_size == (320, 240) and clip.seconds == 3.0
    main, sub = _read(clip.main), _read(clip.sub)
    assert main[0] == MAIN_SIZE and sub[0] == SUB_SIZE
    for _, pts, keys, rate in (main, sub):
        assert pts == list(range(30))  # media time x fps = frame index: times are exact
        assert rate == 10
        assert [i for i, key in enumerate(keys) if key] == [0, 10, 20]  # GOP 1 s, repeats start on a key frame

    # The 4:3 picture is fitted into 16:9 and padded black at the sides.
    with av.open(str(clip.sub)) as container:
        picture = next(container.decode(video=0)).to_ndarray(format="bgr24")
    assert picture[:, :30].max() < 20 and picture[:, -30:].max() < 20
    assert picture[:, 100:540].mean() > 40

    # Source boxes map into stream pixels with the same placement.
    box = np.array([[0, 0, 320, 240]])
    assert np.allclose(clip.to_stream(box, "sub"), [[80, 0, 560, 360]])
    assert np.allclose(clip.to_stream(box, "main"), [[240, 0, 1680, 1080]])

    # A second call reuses the cached files.
    stamp = clip.main.stat().st_mtime_ns
    again = make_dual_clip(source, tmp_path / "out", min_seconds=2.5)
    assert again == clip and again.main.stat().st_mtime_ns == stamp
