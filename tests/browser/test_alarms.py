"""The alarm console as an operator meets it at 2 a.m. (real service, Debian Chromium).

An event is written into the database the way a camera worker writes it, while the pages are already
open: the banner appears on every open page, the alarm sound starts (Web Audio running, beeps
repeating) and the wall tile shows the count; acknowledging stops the sound everywhere, closing as
handled or false alarm needs a note, and each step lands in the audit log and on the event page.
Every alarm a test raises is closed again, and its event deleted afterwards, so the other browser
tests (one shared service) see the seeded events only.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tests.browser import service as svc
from tests.browser.test_ui import login
from vms.db.models import AuditEntry, Event, EventObject, EventReview

pytestmark = pytest.mark.browser
OPERATOR = ("trucban", svc.USERS["trucban"][0])
WRITTEN: list[int] = []


@pytest.fixture(autouse=True, scope="module")
def forget_written_events(service: svc.Service):  # type: ignore[no-untyped-def]
    """Delete the events this module wrote, once at its end (per test, SQLite would hand the next
    event the same id and its audit entries would mix); children first: no cascade here."""
    yield
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session, session.begin():
            for model in (EventReview, EventObject):
                session.query(model).filter(model.event_id.in_(WRITTEN)).delete(synchronize_session=False)
            session.query(Event).filter(Event.id.in_(WRITTEN)).delete(synchronize_session=False)
    finally:
        engine.dispose()
        WRITTEN.clear()


def write_event(service: svc.Service, kind: str, camera_id: str = "quoc-lo") -> tuple[int, float]:
    """An event row as a worker writes it (its own connection, no API); returns (id, written at)."""
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session, session.begin():
            row = Event(camera_id=camera_id, type=kind, start=datetime.now(timezone.utc), severity="alarm",
                        details={"rule": kind}, detector="simulated", object_classes="")
            session.add(row)
            session.flush()
            WRITTEN.append(row.id)
            return row.id, time.time()
    finally:
        engine.dispose()


def event_row(service: svc.Service, event_id: int) -> Event:
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session:
            return session.get(Event, event_id)
    finally:
        engine.dispose()


def review_audit(service: svc.Service, event_id: int) -> list[tuple[str, str]]:
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session:
            rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "event_review",
                                                            AuditEntry.target == str(event_id)).order_by(AuditEntry.id))
            return [(row.username, row.details["state"]) for row in rows]
    finally:
        engine.dispose()


def beeps(page: Page) -> int:
    return int(page.locator("#alarm-banner").get_attribute("data-beeps") or 0)


def test_alarm_appears_and_sounds_on_open_pages_until_acknowledged(page: Page, browser, service: svc.Service,
                                                                    shot) -> None:
    login(page, *OPERATOR)
    expect(page.locator(".wall .tile").first).to_be_visible()
    expect(page.locator("#alarm-indicator")).to_contain_text("0 chưa xử lý")
    other = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=service.url).new_page()
    other.goto("/")
    login(other)  # an admin on another desk, on the search page
    other.goto("/#/search")
    expect(other.locator("#alarm-indicator")).to_contain_text("0 chưa xử lý")
    event_id, written = write_event(service, "hit_and_run")
    banner = page.locator("#alarm-banner")
    expect(banner).to_be_visible(timeout=10_000)
    seen = time.time()
    expect(banner).to_contain_text("Gây tai nạn bỏ chạy")
    expect(banner).to_contain_text("Quốc lộ qua xã")
    expect(other.locator("#alarm-banner")).to_contain_text("Gây tai nạn bỏ chạy")
    print(f"\nbanner on the open page {seen - written:.2f} s after the event row was written (load {svc_load()})")
    # The sound: Web Audio was unlocked by the login click, is running, and repeats (every 2 s here).
    expect(banner).to_have_attribute("data-audio", "running")
    expect(banner).to_have_attribute("data-sound", "playing")
    first = beeps(page)
    page.wait_for_function("(n) => Number(document.querySelector('#alarm-banner').dataset.beeps) >= n + 2",
                           arg=first, timeout=10_000)
    tile_count = page.locator(".wall [data-camera=quoc-lo] > .alarm-count")
    expect(tile_count).to_have_text("🔔 1")
    expect(page.locator("#alarm-indicator")).to_contain_text("1 chưa xử lý")
    shot(page, "30_alarm_banner", full_page=False, readme="alarm_banner")

    banner.locator("button.ack").click()
    expect(banner).to_be_hidden()
    expect(other.locator("#alarm-banner")).to_be_hidden()  # pushed to the other desk too
    stopped = beeps(page)
    page.wait_for_timeout(2500)
    assert beeps(page) == stopped  # the sound stopped with the acknowledgement
    expect(page.locator("#alarm-indicator")).to_contain_text("1 chưa xử lý")  # acknowledged, not yet closed

    page.click("#alarm-indicator")
    item = page.locator(f"#alarm-drawer li[data-event='{event_id}']")
    expect(item).to_contain_text("Đã nhận")
    shot(page, "31_alarm_queue", full_page=False)
    item.locator("button.handled").click()
    dialog = page.locator("dialog.review-dialog")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".error")).to_have_text("Cần ghi chú để đóng báo động")
    dialog.locator("textarea").fill("Đã báo tổ tuần tra, ghi biển số xe 29A-123.45")
    dialog.locator("button[type=submit]").click()
    expect(page.locator("#alarm-drawer")).to_contain_text("Không có báo động nào chưa xử lý")
    expect(tile_count).to_have_count(0)
    assert event_row(service, event_id).review_state == "handled"
    assert review_audit(service, event_id) == [("trucban", "acknowledged"), ("trucban", "handled")]

    # The event page shows who did what and when, with the note.
    page.goto(f"/#/events/{event_id}")
    history = page.locator(".review-history li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("Đã nhận · trucban")
    expect(history.nth(1)).to_contain_text("Đã báo tổ tuần tra, ghi biển số xe 29A-123.45")
    other.context.close()


def svc_load() -> str:
    import os

    return f"{os.getloadavg()[0]:.1f}"


def test_false_alarm_from_the_event_page_then_search_by_review_state(page: Page, service: svc.Service) -> None:
    event_id, _ = write_event(service, "loitering", camera_id="nga-ba-truong")  # notify: queue, no banner
    login(page, *OPERATOR)
    expect(page.locator("#alarm-indicator")).to_contain_text("1 chưa xử lý", timeout=10_000)
    expect(page.locator("#alarm-banner")).to_be_hidden()
    page.goto(f"/#/events/{event_id}")
    panel = page.locator("section.review")
    expect(panel.locator(".review-state")).to_have_text("Mới")
    panel.locator("button.false-alarm").click()
    page.locator("dialog.review-dialog textarea").fill("Người bán hàng quen, không phải đối tượng khả nghi")
    page.locator("dialog.review-dialog button[type=submit]").click()
    expect(panel.locator(".review-state")).to_have_text("Báo động giả")
    expect(panel.locator(".review-history li")).to_contain_text("trucban")
    assert review_audit(service, event_id) == [("trucban", "false_alarm")]
    expect(page.locator("#alarm-indicator")).to_contain_text("0 chưa xử lý")
    page.goto("/#/search")
    page.locator("fieldset[data-name=review_state] label.chip", has_text="Báo động giả").click()
    page.click("form.filters button[type=submit]")
    cards = page.locator(".event-grid .event-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Lảng vảng")
