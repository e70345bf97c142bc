"""The visual rule editor (issue 13 item 4): an installer draws a zone and a directional line on the
camera's picture in the camera dialog; the rules are saved through the API in MAIN-stream pixels,
validated, and the change is audited. A zone drawn on a simulated camera's picture then fires: the
camera's scripted walker enters it and an operator finds the intrusion event with that zone's name."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.browser import service as svc
from tests.browser.test_ui import login
from vms.db.models import AuditEntry, Camera, CameraStatus, Event, EventObject, EventReview, Segment, UserCamera

pytestmark = pytest.mark.browser
INSTALLER = ("lapdat", svc.USERS["lapdat"][0])
OPERATOR = ("trucban", svc.USERS["trucban"][0])
CAMERA = "duong-de"
# A camera of the rule-fires test only: an empty yard where one person walks left to right across the
# middle of the picture every 16 s loop (tests/browser/scenes/yard_walk.yaml, 640x360).
YARD = "san-thu"
YARD_SCENE = svc.SCENES / "yard_walk.yaml"


def stored(service: svc.Service) -> tuple[dict, list[AuditEntry]]:
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session:
            camera = session.get(Camera, CAMERA)
            audits = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "camera_update",
                                                                   AuditEntry.target == CAMERA)))
            return camera.detection, audits
    finally:
        engine.dispose()


def test_installer_draws_a_zone_and_a_line_and_they_are_saved(page: Page, service: svc.Service, shot) -> None:
    login(page, *INSTALLER)
    page.goto("/#/cameras")
    page.locator("#view tbody tr", has_text=CAMERA).locator("button", has_text="Sửa").click()
    editor = page.locator("dialog fieldset.rule-editor")
    expect(editor).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.rule-picture')?.naturalWidth > 0", timeout=20_000)
    overlay = editor.locator("svg.rule-overlay")
    expect(overlay).to_have_attribute("data-size", __import__("re").compile(r"^\d+x\d+$"))
    width, height = (int(v) for v in overlay.get_attribute("data-size").split("x"))
    # What the camera runs now (nothing configured: the defaults) is listed.
    expect(editor.locator(".rule-list li")).to_have_count(2)

    overlay.scroll_into_view_if_needed()
    box = overlay.bounding_box()

    def click(fx: float, fy: float) -> tuple[float, float]:
        overlay.click(position={"x": fx * box["width"], "y": fy * box["height"]})  # scrolled into view first
        return fx * width, fy * height

    # An intrusion zone at night.
    editor.locator("select[name=rule_type]").select_option("intrusion")
    editor.locator("input[name=rule_name]").fill("bai-xe")
    editor.locator("input[name=rule_schedule]").fill("22:00-05:00")
    zone = [click(0.2, 0.5), click(0.5, 0.45), click(0.55, 0.8), click(0.15, 0.85)]
    expect(overlay.locator(".rule-shape.draft circle")).to_have_count(4)
    editor.locator("button.add-rule").click()
    expect(editor.locator(".rule-list li[data-rule=bai-xe]")).to_contain_text("22:00-05:00")
    expect(overlay.locator("g.rule-shape.type-intrusion polygon")).to_have_count(1)

    # A line counted one way only; one click is not a line.
    editor.locator("select[name=rule_type]").select_option("line_crossing")
    editor.locator("input[name=rule_name]").fill("vach-cong")
    editor.locator("select[name=rule_direction]").select_option("in")
    first = click(0.6, 0.3)
    editor.locator("button.add-rule").click()
    expect(editor.locator(".rule-error")).to_have_text("Vạch cần đúng 2 điểm")
    line = [first, click(0.9, 0.35)]
    editor.locator("button.add-rule").click()
    expect(editor.locator(".rule-list li[data-rule=vach-cong]")).to_be_visible()
    expect(overlay.locator("g.rule-shape.type-line_crossing line.arrow")).to_have_count(1)
    shot(page, "40_rule_editor", full_page=False, readme="rule_editor")

    page.locator("dialog form.camera-form button[type=submit]").click()
    expect(page.locator("dialog form.camera-form")).to_have_count(0)

    detection, audits = stored(service)
    rules = {rule["name"]: rule for rule in detection["rules"]}
    assert set(rules) == {"hit_and_run", "tamper", "bai-xe", "vach-cong"}
    assert detection["enabled"] is False  # the camera's other settings are kept
    tolerance = 0.02 * width  # a click lands on a whole screen pixel
    assert rules["bai-xe"]["type"] == "intrusion" and rules["bai-xe"]["schedule"] == "22:00-05:00"
    assert len(rules["bai-xe"]["polygon"]) == 4
    for (x, y), (ex, ey) in zip(rules["bai-xe"]["polygon"], zone):
        assert abs(x - ex) < tolerance and abs(y - ey) < tolerance
    assert rules["vach-cong"]["type"] == "line_crossing" and rules["vach-cong"]["direction"] == "in"
    for (x, y), (ex, ey) in zip(rules["vach-cong"]["line"], line):
        assert abs(x - ex) < tolerance and abs(y - ey) < tolerance
    assert audits and audits[-1].username == "lapdat" and "detection" in audits[-1].details["changes"]

    # Drawn again when the dialog opens; a bad schedule is refused before saving.
    page.locator("#view tbody tr", has_text=CAMERA).locator("button", has_text="Sửa").click()
    expect(overlay.locator("g.rule-shape[data-rule=bai-xe] polygon")).to_have_count(1)
    expect(overlay.locator("g.rule-shape[data-rule=vach-cong] line").first).to_be_attached()
    editor.locator("select[name=rule_type]").select_option("loitering")
    editor.locator("input[name=rule_name]").fill("via-he")
    editor.locator("input[name=rule_schedule]").fill("25:00-05:00")
    box = overlay.bounding_box()
    for point in [(0.1, 0.1), (0.3, 0.1), (0.3, 0.3)]:
        click(*point)
    editor.locator("button.add-rule").click()
    expect(editor.locator(".rule-error")).to_contain_text("22:00-05:00")
    page.locator("dialog form.camera-form button.ghost", has_text="Hủy").click()


def remove_camera(service: svc.Service, camera_id: str) -> None:
    """Delete every row the camera left (the API only disables a camera and keeps its history): its
    events, segments, status and the camera itself, so the other tests see the seeded site only."""
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session, session.begin():
            events = select(Event.id).where(Event.camera_id == camera_id)
            for model in (EventReview, EventObject):
                session.query(model).filter(model.event_id.in_(events)).delete(synchronize_session=False)
            for model in (Event, Segment, CameraStatus, UserCamera):
                session.query(model).filter(model.camera_id == camera_id).delete(synchronize_session=False)
            session.query(Camera).filter(Camera.id == camera_id).delete(synchronize_session=False)
    finally:
        engine.dispose()


def zone_events(service: svc.Service, camera_id: str, zone: str) -> list[int]:
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Event.id).where(Event.camera_id == camera_id, Event.zone == zone,
                                                               Event.type == "intrusion")))
    finally:
        engine.dispose()


@pytest.fixture
def yard(page: Page, service: svc.Service) -> Iterator[str]:
    """The yard camera, added by the installer through the API (analysis on, no rules yet), with a
    picture to draw on; disabled (its worker stopped) and deleted with all it wrote afterwards."""
    login(page, *INSTALLER)
    created = page.request.post("/api/cameras", data={
        "id": YARD, "name": "Sân thử nghiệm", "source": {"type": "sim", "scene": str(YARD_SCENE), "seed": 1,
                                                            "sub": False},
        "detection": {"enabled": True, "rules": []}})
    assert created.status == 201, created.text()
    try:
        deadline = time.monotonic() + 90  # worker start-up and the first segment, on a loaded machine
        while page.request.get(f"/api/cameras/{YARD}/snapshot.jpg").status != 200:
            assert time.monotonic() < deadline, "the yard camera recorded nothing in 90 s"
            time.sleep(1)
        yield YARD
    finally:
        gone = page.request.delete(f"/api/cameras/{YARD}")  # returns once the worker has stopped
        assert gone.status == 204, gone.text()
        remove_camera(service, YARD)


def test_a_zone_drawn_in_the_editor_fires_on_the_simulated_camera(page: Page, browser, service: svc.Service,
                                                                   yard: str) -> None:
    page.goto("/#/cameras")
    page.locator("#view tbody tr", has_text=yard).locator("button", has_text="Sửa").click()
    editor = page.locator("dialog fieldset.rule-editor")
    page.wait_for_function("() => document.querySelector('img.rule-picture')?.naturalWidth > 0", timeout=20_000)
    overlay = editor.locator("svg.rule-overlay")
    expect(overlay).to_have_attribute("data-size", "640x360")  # main-stream px
    expect(editor.locator(".rule-list li")).to_have_count(0)  # analysis on, no rules yet
    overlay.scroll_into_view_if_needed()
    box = overlay.bounding_box()
    editor.locator("select[name=rule_type]").select_option("intrusion")
    editor.locator("input[name=rule_name]").fill("loi-vao")
    # The walker's feet cross y = 250 px (0.69 of the height) from left to right: a box over the middle.
    for fx, fy in [(0.4, 0.5), (0.6, 0.5), (0.6, 0.9), (0.4, 0.9)]:
        overlay.click(position={"x": fx * box["width"], "y": fy * box["height"]})
    editor.locator("button.add-rule").click()
    expect(overlay.locator("g.rule-shape[data-rule=loi-vao] polygon")).to_have_count(1)
    page.locator("dialog form.camera-form button[type=submit]").click()
    expect(page.locator("dialog form.camera-form")).to_have_count(0)

    # The worker restarts with the rule; the walker enters the zone once per 16 s loop.
    deadline = time.monotonic() + 120
    while not (found := zone_events(service, yard, "loi-vao")):
        assert time.monotonic() < deadline, "no intrusion event from the drawn zone within 120 s"
        time.sleep(1)

    # An operator finds it: the event page names the zone drawn in the editor.
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=service.url, locale="vi-VN",
                                  timezone_id="UTC")
    try:
        operator = context.new_page()
        operator.goto("/")
        login(operator, *OPERATOR)
        operator.goto(f"/#/events/{found[0]}")
        facts = operator.locator(".facts")
        expect(facts).to_contain_text("Xâm nhập", timeout=15_000)
        expect(facts).to_contain_text("loi-vao")
        expect(facts).to_contain_text("Sân thử nghiệm")
    finally:
        context.close()
