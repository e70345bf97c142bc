"""Chromium plays the recorded audio, and the camera form sets the analysed stream (real service)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from camera_drivers.clip import SourceSegment, write_clip
from camera_drivers.recorder import ClosedSegment, SegmentRecorder
from camera_drivers.stream import StreamSession, StreamSource
from tests.browser.test_ui import login
from tests.media import make_av_file

pytestmark = pytest.mark.browser


def recorded(tmp_path: Path, codec: str, suffix: str) -> tuple[Path, Path]:
    """A recorded fMP4 segment of a clip with audio, and a playback clip cut from the segments."""
    closed: list[ClosedSegment] = []
    recorder = SegmentRecorder("cam", tmp_path / "rec", 2.0, closed.append)
    source = make_av_file(tmp_path / f"src.{suffix}", 6.0, codec)
    with StreamSession(StreamSource(kind="file", location=str(source), realtime=False), audio=True) as session:
        recorder.start_connection(session.video_stream, session.audio_stream)
        for timed in session.packets():
            recorder.write(timed)
    recorder.close()
    start = closed[0].start
    clip = write_clip([SourceSegment(s.path, s.start) for s in closed], start + 0.5, start + 5.5, tmp_path / "clip.mp4")
    return closed[1].path, clip.path


@pytest.mark.parametrize(("codec", "suffix"), [("aac", "mp4"), ("pcm_mulaw", "mov")])
def test_chromium_decodes_the_audio_of_segments_and_clips(page: Page, tmp_path: Path, codec: str, suffix: str) -> None:
    segment, clip = recorded(tmp_path, codec, suffix)
    files = {"/media/segment.mp4": segment, "/media/clip.mp4": clip}

    def serve(route: Route) -> None:
        path = files[route.request.url.split(page.url.split("/#")[0].rstrip("/"), 1)[-1]]
        route.fulfill(status=200, body=path.read_bytes(), content_type="video/mp4")

    page.route("**/media/*.mp4", serve)
    for name in files:
        decoded = page.evaluate("""async (src) => {
            const video = document.createElement("video");
            video.muted = true;
            video.src = src;
            document.body.append(video);
            await video.play();
            await new Promise((done) => setTimeout(done, 1500));
            const result = { audio: video.webkitAudioDecodedByteCount, video: video.webkitVideoDecodedByteCount,
                             time: video.currentTime, error: video.error && video.error.code };
            video.remove();
            return result;
        }""", name)
        assert decoded["error"] is None, (name, decoded)
        assert decoded["video"] > 0 and decoded["audio"] > 0, (name, decoded)
        assert decoded["time"] > 0.5, (name, decoded)


def test_camera_form_sets_the_analysed_stream(page: Page, shot) -> None:
    login(page)
    page.goto("/#/cameras")
    row = page.locator("#view tbody tr", has_text="nga-ba-truong")
    expect(page.locator("#view thead")).to_contain_text("Luồng phân tích")
    row.locator("button", has_text="Sửa").click()
    dialog = page.locator("dialog form.camera-form")
    expect(dialog.locator("input[name=sim_sub]")).to_be_checked()
    expect(dialog.locator("select[name=analysis_stream]")).to_have_value("auto")
    shot(page, "10b_camera_form_streams", full_page=False)
    dialog.locator("select[name=analysis_stream]").select_option("main")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0)
    row.locator("button", has_text="Sửa").click()
    expect(dialog.locator("select[name=analysis_stream]")).to_have_value("main")
    dialog.locator("select[name=analysis_stream]").select_option("auto")  # leave the site as it was
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0)
