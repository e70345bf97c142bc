"""The live wall in Debian chromium, as an operator uses it: live video plays (the camera's own
H.264 through Media Source Extensions), layouts switch, a tile enlarges to the main stream and back,
cameras are dragged into tiles, a view is saved and opened full-window on a "second monitor", a
viewer without access gets no stream, live viewing is audited, and a camera that drops shows
offline and comes back by itself (a real RTSP server stopped and started again).

This module runs after test_ui.py (it adds cameras; the wall tests there count four tiles).
Picture changes are counted over two seconds of *media* time (requestVideoFrameCallback), never
against the wall clock.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.browser import service as svc
from tests.browser.test_ui import login
from tests.conftest import require
from tests.peers.rtsp import RtspServer, rtsp_server_available
from vms.access import set_user_cameras
from vms.auth import create_user
from vms.db.models import AuditEntry

pytestmark = pytest.mark.browser
LIMITED = ("chi-cho", "Limited-Browser-7")  # a viewer who may watch one camera only

# Two seconds of media time on a tile: how many frames were shown, how many distinct pictures.
COUNT_PICTURES = """async (video) => {
  const canvas = document.createElement("canvas");
  canvas.width = 160; canvas.height = 90;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  const seen = new Set();
  let start = null, frames = 0;
  return await new Promise((resolve) => {
    const step = (now, meta) => {
      g.drawImage(video, 0, 0, 160, 90);
      const data = g.getImageData(0, 0, 160, 90).data;
      let hash = 0;
      for (let i = 0; i < data.length; i += 4) hash = (Math.imul(hash, 31) + data[i] + data[i + 1] + data[i + 2]) | 0;
      seen.add(hash);
      frames += 1;
      if (start === null) start = meta.mediaTime;
      if (meta.mediaTime - start >= 2) resolve({ frames, distinct: seen.size });
      else video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  });
}"""


def tile(page: Page, camera_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f".wall:not([hidden]) .live-tile[data-camera='{camera_id}'], "
                        f".wall-focus .live-tile[data-camera='{camera_id}']").first


def drop_into_first_tile(page: Page, camera_id: str) -> None:
    """Drag the camera from the list into tile 0, as a person would, again if the drop did not take.

    On a loaded machine an HTML5 drag synthesised by Playwright now and then ends before the tile
    takes it (the wall's list and tiles refresh every few seconds); the page itself is fine.
    """
    placed = tile(page, camera_id)
    for _ in range(3):
        page.drag_and_drop(f".camera-list li[data-camera='{camera_id}']", ".wall .live-tile[data-slot='0']")
        try:
            expect(placed).to_have_count(1, timeout=5_000)
            return
        except AssertionError:
            continue
    expect(placed).to_have_count(1)


def wait_playing(page: Page, camera_id: str, timeout: float = 30_000) -> None:
    """The tile says playing and its video element's time advances."""
    expect(tile(page, camera_id)).to_have_attribute("data-state", "playing", timeout=timeout)
    video = tile(page, camera_id).locator("video")
    page.wait_for_function("(v) => v.readyState >= 2", arg=video.element_handle(), timeout=timeout)
    first = video.evaluate("(v) => v.currentTime")
    page.wait_for_function("([v, t]) => v.currentTime > t + 0.5", arg=[video.element_handle(), first],
                           timeout=timeout)


@pytest.fixture(scope="module")
def limited_user(service: svc.Service) -> tuple[str, str]:
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session, session.begin():
            user = create_user(session, LIMITED[0], LIMITED[1], "viewer", full_name="Chỉ xem chợ")
            session.flush()
            set_user_cameras(session, user.id, ["cho-trung-tam"])
    finally:
        engine.dispose()
    return LIMITED


def test_live_video_plays_and_its_picture_changes(page: Page, shot) -> None:
    login(page)
    expect(page.locator(".wall .live-tile")).to_have_count(4)
    for camera_id, _, _, _ in svc.CAMERAS:
        wait_playing(page, camera_id)
    counted = tile(page, "quoc-lo").locator("video").evaluate(COUNT_PICTURES)
    assert counted["distinct"] >= 10, counted
    # Every tile shows the camera's name and the capture time (site time) of the frame on screen.
    expect(tile(page, "quoc-lo").locator(".name")).to_have_text("Quốc lộ qua xã")
    expect(tile(page, "quoc-lo").locator(".tile-clock")).to_have_text(re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$"))
    # The browser gets the camera's own H.264: no transcoding for these cameras.
    expect(tile(page, "quoc-lo").locator(".stream-tag")).not_to_contain_text("chuyển mã")
    shot(page, "20_wall_live", readme="wall")


def test_layouts_switch_and_a_tile_enlarges_and_back(page: Page) -> None:
    login(page)
    wait_playing(page, "duong-de")
    page.click("button.layout-button[data-layout='9']")
    expect(page.locator(".wall .live-tile")).to_have_count(9)
    expect(page.locator(".wall .live-tile[data-state=empty]")).to_have_count(5)
    page.click("button.layout-button[data-layout='16']")
    expect(page.locator(".wall .live-tile")).to_have_count(16)
    page.click("button.layout-button[data-layout='1']")
    expect(page.locator(".wall .live-tile")).to_have_count(1)
    page.click("button.layout-button[data-layout='4']")
    expect(page.locator(".wall .live-tile")).to_have_count(4)
    # Click: the tile fills the wall with the main stream; Escape: back to the four tiles.
    tile(page, "duong-de").click()
    focused = page.locator(".wall-focus .live-tile")
    expect(focused).to_have_attribute("data-camera", "duong-de")
    expect(page.locator(".wall.live-wall")).to_be_hidden()
    wait_playing(page, "duong-de")
    expect(focused.locator(".stream-tag")).to_contain_text("luồng chính")
    page.keyboard.press("Escape")
    expect(page.locator(".wall-focus")).to_be_hidden()
    expect(page.locator(".wall .live-tile")).to_have_count(4)
    wait_playing(page, "duong-de")


def test_drag_a_camera_into_a_tile_and_save_a_view_for_a_second_monitor(page: Page, browser, shot
                                                                         ) -> None:  # type: ignore[no-untyped-def]
    login(page)
    wait_playing(page, "cho-trung-tam")
    page.click("button.layout-button[data-layout='9']")
    # Drag "Quốc lộ" from the camera list into the empty sixth tile; drag tile 1 onto tile 2 to swap.
    page.drag_and_drop(".camera-list li[data-camera='quoc-lo']", ".wall .live-tile[data-slot='5']")
    expect(page.locator(".wall .live-tile[data-slot='5']")).to_have_attribute("data-camera", "quoc-lo")
    expect(page.locator(".wall .live-tile[data-slot='3']")).to_have_attribute("data-state", "empty")
    page.drag_and_drop(".wall .live-tile[data-slot='0']", ".wall .live-tile[data-slot='1']")
    expect(page.locator(".wall .live-tile[data-slot='0']")).to_have_attribute("data-camera", "duong-de")
    expect(page.locator(".wall .live-tile[data-slot='1']")).to_have_attribute("data-camera", "cho-trung-tam")
    page.click("button[data-action=save-view-as]")
    page.fill("dialog.view-name-dialog input[name=name]", "Ca đêm")
    page.click("dialog.view-name-dialog button[type=submit]")
    expect(page.locator("select[name=view] option:checked")).to_have_text("Ca đêm")
    kiosk = page.locator("a[data-action=second-monitor]").get_attribute("href")
    assert kiosk and re.fullmatch(r"#/wall\?view=\d+&kiosk=1", kiosk)
    # The "second monitor": another window of the same user opens the saved view without menus.
    second = page.context.new_page()
    second.goto(f"/{kiosk}")
    expect(second.locator(".wall .live-tile")).to_have_count(9)
    expect(second.locator(".wall .live-tile[data-slot='5']")).to_have_attribute("data-camera", "quoc-lo")
    expect(second.locator(".topbar")).to_be_hidden()
    expect(second.locator(".wall-side")).to_be_hidden()
    wait_playing(second, "quoc-lo")
    wall_box = second.locator(".wall-stage").bounding_box()
    assert wall_box and wall_box["width"] >= svc_viewport_width(second) - 2
    shot(second, "21_wall_second_monitor", full_page=False)
    second.close()


def svc_viewport_width(page: Page) -> float:
    return page.evaluate("() => window.innerWidth")


def test_a_viewer_without_access_gets_no_stream(page: Page, limited_user, service: svc.Service) -> None:
    # A stored arrangement naming a camera this user may not watch (e.g. made before access was narrowed).
    page.evaluate("""(user) => localStorage.setItem(`vms-wall:${user}`,
        JSON.stringify({layout: 4, cameras: ["cho-trung-tam", "quoc-lo"], view: null}))""", LIMITED[0])
    login(page, *limited_user)
    wait_playing(page, "cho-trung-tam")
    denied = page.locator(".wall .live-tile[data-camera='quoc-lo']")
    expect(denied).to_have_attribute("data-state", "denied")
    expect(denied.locator(".tile-state")).to_have_text("Không có quyền xem camera này")
    expect(denied.locator(".name")).to_have_text("")
    assert denied.locator("video").evaluate("(v) => v.src") == ""
    expect(page.locator(".camera-list li")).to_have_count(1)
    # At the WebSocket itself: the server closes with 4404, having sent nothing.
    answer = page.evaluate("""() => new Promise((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/api/cameras/quoc-lo/live`);
        ws.binaryType = "arraybuffer";
        let messages = 0;
        ws.onmessage = () => { messages += 1; };
        ws.onclose = (event) => resolve({ code: event.code, messages });
    })""")
    assert answer == {"code": 4404, "messages": 0}


def test_live_viewing_is_audit_logged_from_when_to_when(page: Page, service: svc.Service) -> None:
    login(page, "trucban", svc.USERS["trucban"][0])
    wait_playing(page, "nga-ba-truong")
    page.goto("/#/search")  # leaving the wall ends the live views
    engine = create_engine(service.database_url)
    try:
        deadline = time.monotonic() + 20
        while True:
            with Session(engine) as session:
                rows = session.scalars(select(AuditEntry).where(AuditEntry.username == "trucban",
                                                                AuditEntry.target == "nga-ba-truong",
                                                                AuditEntry.action.like("live_view%"))
                                       .order_by(AuditEntry.id)).all()
            if [r.action for r in rows][-2:] == ["live_view", "live_view_end"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    start, end = rows[-2], rows[-1]
    assert (start.action, end.action) == ("live_view", "live_view_end")
    assert start.details["stream"] == "main" and end.details["start"] == start.details["start"]
    assert end.details["seconds"] >= 0.5 and end.details["end"] > end.details["start"]


@pytest.fixture
def rtsp(tmp_path: Path) -> Iterator[RtspServer]:
    require(rtsp_server_available())
    server = RtspServer(tmp_path, cams=1, audio_mounts=True).start()
    yield server
    server.stop()


def add_camera(page: Page, camera_id: str, name: str, url: str) -> None:
    """An RTSP test camera with analysis off: its rules (tamper on a test pattern that stops and starts)
    would raise alarms whose banner moves the wall under a drag, here and in the tests after it."""
    response = page.request.post("/api/cameras", data={"id": camera_id, "name": name,
                                                       "source": {"type": "rtsp", "url": url},
                                                       "detection": {"enabled": False}})
    assert response.status == 201, response.text()


def test_a_camera_that_drops_shows_offline_and_resumes_by_itself(page: Page, rtsp: RtspServer, shot) -> None:
    login(page)
    add_camera(page, "cong-truong", "Cổng trường", rtsp.url(1))
    try:
        page.goto("/#/wall?layout=1")
        page.reload()
        drop_into_first_tile(page, "cong-truong")
        wait_playing(page, "cong-truong", timeout=60_000)
        rtsp.stop()  # the camera goes away
        expect(tile(page, "cong-truong")).to_have_attribute("data-state", "offline", timeout=40_000)
        expect(tile(page, "cong-truong").locator(".tile-state")).to_contain_text("Mất kết nối")
        shot(page, "22_wall_tile_offline", full_page=False)
        rtsp.start()  # same port: the worker reconnects, the tile plays again with nobody touching it
        wait_playing(page, "cong-truong", timeout=90_000)
    finally:
        page.request.delete("/api/cameras/cong-truong")


def test_an_h265_camera_plays_as_h264_transcoded_once(page: Page, rtsp: RtspServer) -> None:
    login(page)
    add_camera(page, "cau-h265", "Cầu (H.265)", rtsp.mount_url("/h265"))
    try:
        page.goto("/#/wall?layout=1")
        page.reload()
        drop_into_first_tile(page, "cau-h265")
        wait_playing(page, "cau-h265", timeout=60_000)
        expect(tile(page, "cau-h265").locator(".stream-tag")).to_contain_text("chuyển mã H.264")
        counted = tile(page, "cau-h265").locator("video").evaluate(COUNT_PICTURES)
        assert counted["distinct"] >= 10, counted
    finally:
        page.request.delete("/api/cameras/cau-h265")
