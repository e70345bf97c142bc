"""camera_drivers.frames: the one PyAV decode -> Frame path (time stamps, thinning, skipping, resize)."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from camera_drivers.frames import FrameDecoder, FrameOptions, file_frames
from camera_drivers.stream import StreamSession, StreamSource
from tests.media import make_h264_file, moving_square_frames


def media_s(packet: av.Packet) -> float:
    """A packet's time on its stream's timeline (what a file's frames are stamped with)."""
    return float(packet.pts * packet.time_base) if packet.pts is not None else 0.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s at 25 fps, a key frame every second, no B-frames."""
    return make_h264_file(tmp_path_factory.mktemp("frames") / "clip.mp4", 4, fps=25, gop=25)


@pytest.fixture(scope="module")
def b_frame_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 s at 25 fps with non-reference B-frames (x264 bf=2, no pyramid)."""
    path = tmp_path_factory.mktemp("frames") / "b.mp4"
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.options = {"g": "25", "bf": "2", "b-pyramid": "none", "preset": "ultrafast"}
        for image in moving_square_frames(50):
            output.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        output.mux(stream.encode(None))
    return path


def test_every_frame_with_pts_time_stamps_and_the_y_plane(clip: Path) -> None:
    frames = list(file_frames(clip, "cam", epoch=1000.0))
    assert len(frames) == 100
    assert [round(f.ts - 1000.0, 3) for f in frames[:3]] == [0.0, 0.04, 0.08]
    assert frames[-1].ts == pytest.approx(1000.0 + 99 / 25, abs=1e-6)
    f = frames[10]
    assert f.y.shape == (180, 320) and f.y.dtype == np.uint8
    grey = cv2.cvtColor(f.bgr(), cv2.COLOR_BGR2GRAY)
    # The Y plane read straight (video range, 16-235) and BGR converted on demand show the same picture.
    assert np.corrcoef(grey.ravel(), f.y.ravel())[0, 1] > 0.99


@pytest.mark.parametrize(("options", "count", "step_s"), [
    (FrameOptions(detect_fps=5), 20, 0.2),
    (FrameOptions(detect_fps=10), 40, 0.12),  # 25 fps has no 0.1 s grid: 0.08 / 0.12 steps
    (FrameOptions(every=4), 25, 0.16),
    (FrameOptions(detect_fps=50), 100, 0.04),  # faster than the stream: every frame
])
def test_thinning_to_the_detect_fps(clip: Path, options: FrameOptions, count: int, step_s: float) -> None:
    ts = np.array([f.ts for f in file_frames(clip, "cam", options)])
    assert len(ts) == count
    assert np.diff(ts).max() == pytest.approx(step_s, abs=1e-6)


def test_one_resize_to_the_analysis_width(clip: Path) -> None:
    frame = next(iter(file_frames(clip, "cam", FrameOptions(max_width=160))))
    assert frame.y.shape == (90, 160) and frame.bgr().shape == (90, 160, 3)
    assert frame.main_wh == (320, 180) and frame.scale == (2.0, 2.0)  # geometry stays in the decoded stream's px


def test_a_sub_stream_frame_says_the_main_stream_size(clip: Path) -> None:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        decoder = FrameDecoder(stream, "cam", FrameOptions(max_width=160))
        decoder.main_wh = (1280, 720)  # this connection is the camera's 320x180 sub stream
        frame = next(f for p in container.demux(stream) for f in decoder.decode(p, media_s(p)))
    assert (frame.width, frame.height, frame.main_wh, frame.scale) == (160, 90, (1280, 720), (8.0, 8.0))


def test_non_reference_frames_are_not_decoded_at_a_low_detect_fps(b_frame_clip: Path) -> None:
    with av.open(str(b_frame_clip)) as container:
        stream = container.streams.video[0]
        decoder = FrameDecoder(stream, "cam", FrameOptions(detect_fps=5))
        kept = [f for p in container.demux(stream) for f in (decoder.decode(p, media_s(p)) if p.size else decoder.flush())]
    assert decoder.decoded < 40  # B-frames skipped by the decoder (50 frames in the file)
    assert len(kept) == 10 and np.diff([f.ts for f in kept]).max() < 0.25


def test_live_connection_frames_carry_wall_time_and_truth(clip: Path) -> None:
    truth_asked: list[float] = []

    def truth(ts: float) -> object:
        truth_asked.append(ts)
        return ("truth", ts)

    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False)) as session:
        assert session.video_stream is not None
        decoder = FrameDecoder(session.video_stream, "cam", FrameOptions(detect_fps=5), truth=truth)  # type: ignore[arg-type]
        packets = list(session.packets())
        frames = [f for timed in packets for f in decoder.decode(timed.packet, timed.ts)] + decoder.flush()
    assert len(frames) == 20
    assert frames[0].ts == pytest.approx(packets[0].ts, abs=1e-6)  # PTS anchored to the connection's wall clock
    assert [f.truth for f in frames] == [("truth", t) for t in truth_asked]
    assert truth_asked == [f.ts for f in frames]  # truth only for kept frames
