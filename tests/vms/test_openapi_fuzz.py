"""Fuzz every API operation from the OpenAPI document (schemathesis, in process): no 500s.

Authenticated as admin so the fuzzing reaches the handlers rather than stopping at 401. Logout is
left out: it would end the session the other operations use. The ONVIF operations that talk to
the network (discover, probe, snapshot, register) are left out too: fuzzed addresses would send
traffic off this machine; the namespace tests and the role matrix cover them.
"""

from __future__ import annotations

from typing import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.media import make_h264_file
from tests.vms.conftest import ADMIN_PASSWORD, login, record_clip_into
from vms.api.app import create_app
from vms.config import parse_config
from vms.paths import DataPaths
from vms.service import Site

HEADERS: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    base = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VMS_ADMIN_PASSWORD", ADMIN_PASSWORD)
        site = Site(
            parse_config({"cameras": [{"id": "cam1", "name": "C1", "source": {"type": "sim"}}]}),
            DataPaths(base / "data"),
        )
        site.prepare()
    record_clip_into(site, "cam1", make_h264_file(base / "clip.mp4", 4.0, fps=15, gop=15))
    app = create_app(site.app_context())
    HEADERS["Authorization"] = "Bearer " + login(app, "admin").cookies["vms_session"]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=HEADERS)  # the schema needs a login too
    # The event stream is long-lived by design (tests/vms/test_alarms.py covers it).
    yield schema.exclude(path="/api/auth/logout").exclude(path="/api/events/stream").exclude(path_regex=r"^/api/onvif/(discover|probe|snapshot|register)$")
    site.exporter.shutdown()
    site.engine.dispose()


@pytest.mark.slow
def test_no_server_errors(api_schema: schemathesis.BaseSchema) -> None:
    """Up to 25 examples per operation, derandomised (a fixed seed), all operations in one test."""
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=HEADERS, checks=[not_a_server_error])

        try:
            run()
        except Exception as error:  # collect every failing operation, then fail once with all of them
            failures.append(f"{operation.label}: {str(error)[:400]}")
    assert failures == []
