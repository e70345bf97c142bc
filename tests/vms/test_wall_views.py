"""Saved wall views: per user, validated, and never another user's."""

from __future__ import annotations

import pytest

from tests.vms.conftest import add_role_users, login
from vms.api.app import create_app
from vms.service import Site


@pytest.fixture
def app(site: Site):  # type: ignore[no-untyped-def]
    add_role_users(site, cameras={"viewer": ["cam2"]})
    return create_app(site.app_context())


def test_a_user_saves_lists_changes_and_deletes_views(app) -> None:  # type: ignore[no-untyped-def]
    operator = login(app, "operator")
    created = operator.post("/api/wall/views", json={"name": "Cổng chợ đêm", "layout": 4,
                                                     "cameras": ["cam1", None, "cam2"]})
    assert created.status_code == 201, created.text
    view = created.json()
    assert (view["name"], view["layout"], view["cameras"]) == ("Cổng chợ đêm", 4, ["cam1", None, "cam2"])
    changed = operator.put(f"/api/wall/views/{view['id']}", json={"name": "Cổng chợ đêm", "layout": 1,
                                                                 "cameras": ["cam2"]})
    assert changed.status_code == 200 and changed.json()["cameras"] == ["cam2"]
    assert [v["layout"] for v in operator.get("/api/wall/views").json()] == [1]
    assert operator.delete(f"/api/wall/views/{view['id']}").status_code == 204
    assert operator.get("/api/wall/views").json() == []


def test_views_are_private_to_their_owner(app) -> None:  # type: ignore[no-untyped-def]
    admin, operator = login(app, "admin"), login(app, "operator")
    view = admin.post("/api/wall/views", json={"name": "A", "layout": 9, "cameras": ["cam1"]}).json()
    assert operator.get("/api/wall/views").json() == []
    for response in (operator.put(f"/api/wall/views/{view['id']}", json={"name": "x", "layout": 1}),
                     operator.delete(f"/api/wall/views/{view['id']}")):
        assert response.status_code == 404
        assert response.json()["detail"]["code"] == "wall_view.not_found"
    # The same name is fine for another user, not twice for one.
    assert operator.post("/api/wall/views", json={"name": "A", "layout": 4}).status_code == 201
    again = operator.post("/api/wall/views", json={"name": "A", "layout": 4})
    assert again.status_code == 409 and again.json()["detail"] == {
        "code": "wall_view.name_taken", "message": "you already have a view named A", "params": {"name": "A"}}


@pytest.mark.parametrize(("body", "code"), [
    ({"name": "v", "layout": 4, "cameras": ["cam1", None, None, None, "cam2"]}, "wall_view.too_many_tiles"),
    ({"name": "v", "layout": 4, "cameras": ["nope"]}, "wall_view.unknown_camera"),
    ({"name": "v", "layout": 4, "cameras": ["cam1"]}, "wall_view.unknown_camera"),  # not in the viewer's list
])
def test_a_view_holds_only_cameras_the_user_sees_and_fits_its_layout(app, body, code) -> None:  # type: ignore[no-untyped-def]
    response = login(app, "viewer").post("/api/wall/views", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code


def test_layouts_are_one_four_nine_or_sixteen(app) -> None:  # type: ignore[no-untyped-def]
    viewer = login(app, "viewer")
    assert viewer.post("/api/wall/views", json={"name": "v", "layout": 6}).status_code == 422
    assert viewer.post("/api/wall/views", json={"name": "v", "layout": 16, "cameras": ["cam2"]}).status_code == 201
