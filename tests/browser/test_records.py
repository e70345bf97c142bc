"""The programme's records as an admin uses them, in Debian chromium against a real service.

One RTSP camera (the GStreamer test server) and one simulated camera. The admin fills in owners and
funders, adds a planned camera that is not connected, uploads an agreement scan (and is refused a
50 MB one, in Vietnamese), uploads the commune's map and pins a camera on it, stops the RTSP camera
and sees the automatic maintenance ticket, closes it with its cost, and produces the quarterly review,
whose figures are checked against the events, alarms and exports in the database.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.browser import service as svc
from tests.browser.conftest import VIEWPORT
from tests.conftest import require
from tests.peers.rtsp import RtspServer, rtsp_server_available
from vms.db.models import CameraRecord, Event, Export, MaintenanceTicket

pytestmark = [pytest.mark.browser, pytest.mark.rtsp]
HAMLET = "Thôn Đông"


@pytest.fixture(scope="module")
def rtsp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspServer]:
    require(rtsp_server_available())
    server = RtspServer(tmp_path_factory.mktemp("rtsp"), cams=1).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(rtsp: RtspServer) -> Iterator[svc.Service]:
    base = Path(tempfile.mkdtemp(prefix="vms-records-"))
    config = {
        "site_name": "Công an xã Thử nghiệm",
        "recording": {"segment_seconds": 2, "backoff_max_s": 3},
        "sources": {"camera_networks": ["127.0.0.0/8"]},  # the RTSP test camera listens on loopback
        "storage": {"min_free_gb": 0.1, "check_interval_s": 60},
        # A ticket 12 s into an outage (not at a slow first connect); reconnects at most 3 s apart.
        "programme": {"commune": "xã Thử nghiệm", "offline_ticket_after_min": 0.2, "check_interval_s": 1},
        "cameras": [
            {"id": "cong-cho", "name": "Cổng chợ", "source": {"type": "rtsp", "url": rtsp.url(1)},
             "detection": {"enabled": False}},
            {"id": "nga-ba", "name": "Ngã ba", "source": {"type": "sim", "scene": "street_day"},
             "detection": {"enabled": False}},
        ],
    }
    running = svc.start(base, config)
    try:
        yield running
    finally:
        svc.stop(running)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def admin_page(browser, site: svc.Service) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, base_url=site.url, locale="vi-VN",
                                  timezone_id="UTC")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    page.fill("#login-form input[name=username]", "admin")
    page.fill("#login-form input[name=password]", svc.ADMIN_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#logout")).to_be_visible()
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _db(site: svc.Service) -> Session:
    return Session(create_engine(site.database_url))


def _png(path: Path) -> Path:
    Image.new("RGB", (900, 600), (210, 225, 205)).save(path, "PNG")
    return path


def _fill_record(page: Page, **fields: str) -> None:
    dialog = page.locator("dialog[open]")
    for name, value in fields.items():
        control = dialog.locator(f"[name={name}]")
        if control.evaluate("(el) => el.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def test_owners_scan_map_ticket_and_quarterly_review(admin_page: Page, site: svc.Service, rtsp: RtspServer,
                                                      tmp_path: Path, shot) -> None:
    page = admin_page
    page.goto("/#/programme")
    expect(page.locator(".records-table tbody tr")).to_have_count(2)
    # Owner and funder of the market camera; a GPS position outside Vietnam is refused in Vietnamese.
    page.locator(".records-table tr", has_text="Cổng chợ").get_by_role("button", name="Sửa").click()
    _fill_record(page, owner_kind="household", owner_name="Nguyễn Văn An", owner_contact="0912 345 678",
                 funder_kind="shop", funder_name="Cửa hàng Minh Phát", hamlet=HAMLET, latitude="13.75",
                 longitude="100.50", installed_on="2026-03-10")
    page.locator("dialog[open] button[type=submit]").click()
    expect(page.locator("dialog[open] .error")).to_contain_text("ngoài lãnh thổ Việt Nam")
    _fill_record(page, latitude="21.0285", longitude="105.8542")
    page.locator("dialog[open] button[type=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator(".records-table tr", has_text="Cổng chợ")).to_contain_text("Hộ gia đình: Nguyễn Văn An")
    # A planned camera at the school gate, not connected to the server.
    page.get_by_role("button", name="Thêm camera vào hồ sơ").click()
    _fill_record(page, camera_id="truong-thcs", name="Cổng trường THCS", status="planned", funder_kind="school",
                 hamlet="Thôn Tây")
    page.locator("dialog[open] button[type=submit]").click()
    expect(page.locator(".records-table tbody tr")).to_have_count(3)
    expect(page.locator(".status-counts")).to_contain_text("Dự kiến 1")
    shot(page, "records_list")

    # The agreement scan: a real one is kept, a 50 MB one is refused with a Vietnamese message.
    page.goto("/#/programme/cong-cho")
    expect(page.locator("dl.facts")).to_contain_text("Cửa hàng Minh Phát")
    scan = tmp_path / "thoa-thuan.pdf"
    scan.write_bytes(b"%PDF-1.4\n%scan\n%%EOF\n")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Tải bản quét lên").click()
    chooser.value.set_files(str(scan))
    expect(page.get_by_role("link", name="Xem bản quét: thoa-thuan.pdf")).to_be_visible()
    big = tmp_path / "qua-lon.pdf"
    with big.open("wb") as handle:
        handle.write(b"%PDF-1.4\n")
        handle.truncate(50 * 1024 * 1024)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Tải bản quét lên").click()
    chooser.value.set_files(str(big))
    expect(page.locator(".toast.error")).to_contain_text("Tệp lớn hơn 10 MB")

    # The commune's map: upload it, place the market camera on it by clicking.
    page.goto("/#/programme_map")
    expect(page.locator("svg.gps-layout .gps-pin[data-camera=cong-cho]")).to_have_count(1)
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Tải bản đồ của xã lên").click()
    chooser.value.set_files(str(_png(tmp_path / "ban-do.png")))
    image = page.locator("img.site-map")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('img.site-map').naturalWidth > 0")
    page.locator("[data-unplaced=cong-cho]").get_by_role("button", name="Đặt vị trí").click()
    box = image.bounding_box()
    assert box is not None
    image.click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.6})
    pin = page.locator(".pin[data-camera=cong-cho]")
    expect(pin).to_have_class("pin online prog-active")
    with _db(site) as session:
        record = session.get(CameraRecord, "cong-cho")
        assert record is not None and abs(record.map_x - 0.3) < 0.02 and abs(record.map_y - 0.6) < 0.02
    shot(page, "records_map")

    # Stop the camera: the watcher opens a maintenance ticket, the pin turns red.
    rtsp.stop()
    page.goto("/#/maintenance")
    row = page.locator("table.tickets tr", has_text="Tự động: mất kết nối")
    for _ in range(40):
        if row.count():
            break
        page.wait_for_timeout(1000)
        page.goto(f"/#/maintenance?n={_}")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Cổng chợ")
    page.goto("/#/programme_map")
    expect(page.locator(".pin[data-camera=cong-cho]")).to_have_class("pin offline prog-active")
    # The technician repairs it: the camera comes back, the ticket shows it recovered; then it is closed.
    rtsp.start()
    page.goto("/#/maintenance")
    for attempt in range(40):
        if row.filter(has_text="Tự phục hồi lúc").count():
            break
        page.wait_for_timeout(1000)
        page.goto(f"/#/maintenance?r={attempt}")
    row.get_by_role("button", name="Đã sửa xong").click()
    _fill_record(page, fixed_by="Trần Văn Bình", cost_vnd="350000", paid_by_kind="shop",
                 work_done="Thay nguồn điện camera")
    page.locator("dialog[open] button[type=submit]").click()
    page.get_by_role("link", name="Tất cả").click()
    expect(page.locator("table.tickets tr", has_text="Trần Văn Bình")).to_contain_text("Đã sửa")
    with _db(site) as session:
        ticket = session.scalars(select(MaintenanceTicket).where(MaintenanceTicket.camera_id == "cong-cho",
                                                                 MaintenanceTicket.status == "fixed")).one()
        assert (ticket.source, ticket.cost_vnd, ticket.opened_by) == ("offline", 350000, "system")
        assert ticket.recovered_at is not None

    # The quarterly review: figures against the database.
    now = datetime.now(timezone.utc)
    with _db(site) as session, session.begin():
        for kind, severity in (("hit_and_run", "alarm"), ("intrusion", "warning"), ("intrusion", "warning"),
                               ("line_crossing", "info")):
            session.add(Event(camera_id="cong-cho", type=kind, start=now - timedelta(minutes=5), end=now,
                              severity=severity, details={}))
        session.add(Export(camera_ids=["cong-cho"], start=now - timedelta(minutes=6), end=now, case_number="HS-2026-15",
                           created_by="admin", status="done", created_at=now))
    page.goto("/#/review")
    totals = page.locator("article.review table.report-table").first.locator("tr.totals td")
    expect(totals.first).to_have_text("Tổng")
    with _db(site) as session:
        incidents = session.scalar(select(func.count()).where(Event.camera_id.is_not(None),
                                                              Event.severity.in_(("warning", "alarm")),
                                                              Event.type.not_in(("camera_offline", "storage_alarm",
                                                                                 "index_repair"))))
        cases = session.scalar(select(func.count(func.distinct(Export.case_number))).where(Export.status == "done"))
    headers = page.locator("article.review table.report-table").first.locator("th").all_inner_texts()
    cells = totals.all_inner_texts()
    by_header = dict(zip(headers, cells))
    assert by_header["Camera"] == "3" and by_header["Dự kiến"] == "1" and by_header["Hoạt động"] == "2"
    assert by_header["Vụ việc phát hiện"] == str(incidents) == "3"
    assert by_header["Vụ việc được hỗ trợ"] == str(cases) == "1"
    assert by_header["Chi phí (đồng)"] == "350.000"
    expect(page.locator("article.review")).to_contain_text("Cộng hòa xã hội chủ nghĩa Việt Nam")
    expect(page.locator("article.review")).to_contain_text("Sơ kết quý")
    expect(page.locator("article.review .fingerprint code")).to_have_text(
        page.locator("article.review .fingerprint code").inner_text())
    shot(page, "records_review")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải PDF").click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "TRƯỞNG CÔNG AN XÃ" in text and "350.000" in text and HAMLET in text
