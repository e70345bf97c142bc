"""The simulated camera stream: real PyAV demux/decode of its H.264 in MPEG-TS."""

from __future__ import annotations

import gc
import threading
import time

import av
import cv2
import numpy as np
import pytest

from camera_drivers.simulator import SceneRenderer, SceneScript, load_scene, open_simulated_stream
from tests.camera_drivers.simulator.conftest import tiny_scene


def _packets(stream) -> list[av.Packet]:
    with av.open(stream, format=stream.format_name) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        return [p for p in container.demux(video=0) if p.pts is not None]


def test_demux_gives_h264_with_monotonic_pts_and_keyframe_every_gop(tiny: SceneScript) -> None:
    with open_simulated_stream(tiny, realtime=False, loop=False) as stream:
        packets = _packets(stream)
    frame_idx = [round(float(p.pts * p.time_base) * tiny.fps) for p in packets]
    assert frame_idx == list(range(100))  # 10 s at 10 fps, then EOF
    assert [i for i, p in zip(frame_idx, packets) if p.is_keyframe] == list(range(0, 100, 10))


def test_loop_restarts_scene_with_monotonic_pts(tiny: SceneScript) -> None:
    with open_simulated_stream(tiny, realtime=False, loop=True, duration_s=25) as stream:
        packets = _packets(stream)
        assert [stream.scene_time(s) for s in (0.0, 9.9, 10.0, 23.4)] == [(0, 0.0), (0, 9.9), (1, 0.0), (2, 3.4)]
        assert stream.ground_truth_at(3.0).track_id.tolist() == [3, 1, 2]
        assert stream.ground_truth_at(23.0).track_id.tolist() == [200_003, 200_001, 200_002]
        assert stream.ground_truth_at(23.0).xyxy.tolist() == stream.ground_truth_at(3.0).xyxy.tolist()
    frame_idx = [round(float(p.pts * p.time_base) * tiny.fps) for p in packets]
    assert frame_idx == list(range(250))
    assert [i for i, p in zip(frame_idx, packets) if p.is_keyframe] == list(range(0, 250, 10))
    assert bytes(packets[130]) == bytes(packets[30])  # later loops re-mux the first loop's packets


@pytest.mark.parametrize("reuse_loops", [True, False])
def test_decoded_frames_match_frame_at(tiny: SceneScript, reuse_loops: bool) -> None:
    renderer = SceneRenderer(tiny)
    psnr = {}
    with (open_simulated_stream(tiny, realtime=False, duration_s=13, reuse_loops=reuse_loops) as stream,
          av.open(stream, format="mpegts") as container):
        for frame in container.decode(video=0):
            loop, t = stream.scene_time(float(frame.pts * frame.time_base))
            psnr[(loop, round(t, 1))] = cv2.PSNR(frame.to_ndarray(format="bgr24"), renderer.frame_at(t))
    assert len(psnr) == 130
    assert min(psnr.values()) > 30.0
    assert psnr[(1, 2.5)] == pytest.approx(psnr[(0, 2.5)], abs=0.5)


def test_realtime_paces_frames_to_wall_clock(tiny: SceneScript) -> None:
    arrivals: list[float] = []
    with (open_simulated_stream(tiny, realtime=True, loop=True) as stream,
          av.open(stream, format="mpegts", options={"probesize": "32", "analyzeduration": "0"}) as c):
        for _packet in c.demux(video=0):
            arrivals.append(time.time() - stream.start_wall_time)
            if len(arrivals) == 8:
                break
    # frame i is released at start + i / fps (0.1 s here); it cannot arrive earlier
    assert [a >= i / tiny.fps - 0.02 for i, a in enumerate(arrivals)] == [True] * 8


def test_realtime_off_runs_ahead_of_the_clock(tiny: SceneScript) -> None:
    started = time.time()
    with open_simulated_stream(tiny, realtime=False, loop=True, duration_s=60) as stream:
        assert len(_packets(stream)) == 600
    assert time.time() - started < 30  # 60 s of video, unpaced (a paced stream needs 60 s)


@pytest.mark.parametrize("realtime, read_first", [(True, True), (True, False), (False, False), (False, True)])
def test_close_stops_producer(tiny: SceneScript, realtime: bool, read_first: bool) -> None:
    stream = open_simulated_stream(tiny, realtime=realtime, loop=True)
    if read_first:
        assert len(stream.read(188)) > 0
    else:
        time.sleep(0.3)  # unpaced: the producer fills the buffer and blocks on it
    stream.close()
    assert [t.name for t in threading.enumerate() if t.name.startswith("sim-")] == []
    assert stream.read(188) == b""
    assert stream.error is None


def test_close_from_another_thread_ends_a_blocked_reader(tiny: SceneScript) -> None:
    stream = open_simulated_stream(tiny, realtime=True, loop=True)
    counted: list[int] = []

    def reader() -> None:
        try:
            with av.open(stream, format="mpegts", options={"probesize": "32", "analyzeduration": "0"}) as c:
                counted.extend(1 for _ in c.demux(video=0))
        except av.error.FFmpegError:
            counted.append(-1)  # a truncated last packet may surface as a demux error; still ends

    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(0.5)
    stream.close()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(counted) >= 2


def test_night_scene_streams(tiny: SceneScript) -> None:
    script = load_scene(tiny_scene(lighting={"time_of_day": "night", "ir_switch_s": 1.0, "depth_scale": 0}))
    with open_simulated_stream(script, realtime=False, loop=False, duration_s=2) as stream:
        assert len(_packets(stream)) == 20
    assert np.isfinite(stream.start_wall_time)


def test_dropping_the_reader_stops_the_producer(tiny: SceneScript) -> None:
    stream = open_simulated_stream(tiny, realtime=True, loop=True)
    assert len(stream.read(188)) > 0
    thread = next(t for t in threading.enumerate() if t.name == "sim-tiny")
    del stream
    gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_remux_into_mp4_like_the_recorder(tiny: SceneScript, tmp_path) -> None:
    """Packets copy into an MP4 segment without re-encoding (the record path)."""
    target = tmp_path / "segment.mp4"
    with (open_simulated_stream(tiny, realtime=False, loop=False, duration_s=3) as stream,
          av.open(stream, format="mpegts", options={"probesize": "32", "analyzeduration": "0"}) as src,
          av.open(str(target), "w") as dst):
        out = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(video=0):
            if packet.dts is not None:
                packet.stream = out
                dst.mux(packet)
    with av.open(str(target)) as check:
        frames = list(check.decode(video=0))
    assert [len(frames), frames[0].width, frames[0].height] == [30, 320, 180]
    assert float(frames[-1].pts * frames[-1].time_base) == pytest.approx(2.9)


def test_shared_camera_gives_main_and_sub_on_one_clock(tiny: SceneScript) -> None:
    """Main and sub of one simulated camera: the same frames, one timeline, each closed on its own."""
    from camera_drivers.simulator import SimulatedCamera

    camera = SimulatedCamera.shared("cam-x", tiny, realtime=True)
    assert SimulatedCamera.shared("cam-x", tiny, realtime=True) is camera
    main, sub = camera.open("main"), camera.open("sub")
    assert main.start_wall_time == sub.start_wall_time
    opts = {"probesize": "32", "analyzeduration": "0"}
    with av.open(main, format="mpegts", options=opts) as m, av.open(sub, format="mpegts", options=opts) as s:
        main_frames = [f for _, f in zip(range(12), m.decode(video=0))]
        sub_frames = [f for _, f in zip(range(12), s.decode(video=0))]
    sub.close()
    # One timeline: the sub stream joined at the producer's next frame (maybe a frame later).
    assert len({f.pts for f in main_frames} & {f.pts for f in sub_frames}) >= 10
    renderer = SceneRenderer(tiny)
    for frame in sub_frames:
        t = float(frame.pts * frame.time_base)
        assert cv2.PSNR(frame.to_ndarray(format="bgr24"), renderer.frame_at(t)) > 28.0
    # Closing the sub stream leaves the main stream running; a new sub stream joins at a keyframe.
    again = camera.open("sub")
    with av.open(again, format="mpegts", options=opts) as s:
        packets = [p for _, p in zip(range(3), s.demux(video=0)) if p.pts is not None]
    assert packets[0].is_keyframe and round(float(packets[0].pts * packets[0].time_base) * tiny.fps) > 0
    assert not main.closed
    again.close()
    main.close()
    assert camera.producer.stop_event.is_set()  # the last reader gone: the camera stops
    assert SimulatedCamera.shared("cam-x", tiny, realtime=True) is not camera


def test_sub_stream_of_a_large_scene_is_640_wide() -> None:
    from camera_drivers.simulator import sub_stream_size

    assert sub_stream_size(640, 360) == (640, 360)
    assert sub_stream_size(1280, 720) == (640, 360)
    assert sub_stream_size(1920, 1080) == (640, 360)
