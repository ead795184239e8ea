"""The explorer's review buttons in Chromium: with KG_REVIEW_TOKEN a relation is
confirmed (confidence 1.0) and one rejected from the details panel, the YAML lines are
written and the rejected relation is gone after the re-build; without the token there
is no button and POST /api/review answers 403."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from ingest.review import REVIEW_FILE
from kg.settings import load_settings

from .conftest import running_server
from .test_browse import open_page, shoot
from .test_incremental import fixture_notes

pytestmark = [pytest.mark.browser]
TOKEN = "s3cret-review-token"


@pytest.fixture
def small_store(tmp_path):
    from kg.cli import run_ingest

    notes = fixture_notes(tmp_path)
    store = tmp_path / "store"
    run_ingest([notes], store, load_settings())
    return notes, store


def test_reject_a_relation_from_the_explorer(browser, small_store, tmp_path):
    notes, store = small_store
    with running_server(store, KG_REVIEW_TOKEN=TOKEN) as url:
        page, problems = open_page(browser, 1280, 800)
        asked = []
        page.on("dialog", lambda dialog: asked.append(dialog.message) or dialog.accept(TOKEN))
        page.goto(url + "/explore/Commit")
        confirm = page.get_by_role("button", name="Confirm: Commit uses Tree")
        confirm.click()
        page.locator("#status").filter(has_text="Confirmed: Commit uses Tree").wait_for()
        assert page.locator(".rel-item.confirmed").count() == 1
        page.goto(url + "/explore/HEAD")
        reject = page.get_by_role("button", name="Reject: HEAD uses Branch")
        reject.wait_for()
        assert page.get_by_role("button", name="Not a concept").count() == 1
        shoot(page, "review-buttons", 1280, 800, tmp_path)
        reject.click()
        status = page.locator("#status")
        status.filter(has_text="Rejected: HEAD uses Branch").wait_for()
        assert len(asked) == 1 and "KG_REVIEW_TOKEN" in asked[0]  # typed once, in the tab
        assert (notes / REVIEW_FILE).read_text() == (
            '- {confirm: "Commit uses Tree"}\n- {reject: "HEAD uses Branch"}\n')
        assert "Bearer" not in page.content() and TOKEN not in page.content()
        time.sleep(1.2)  # every worker moves to the new build within a second
        page.reload()
        page.get_by_role("button", name="Not a concept").wait_for()
        assert page.get_by_role("button", name="Reject: HEAD uses Branch").count() == 0
        uses = json.loads(urllib.request.urlopen(url + "/api/concepts/HEAD").read())
        assert "branch" not in {r["id"] for r in uses["related"] if r["relation"] == "uses"}
        commit = json.loads(urllib.request.urlopen(url + "/api/concepts/Commit").read())
        assert [r["confidence"] for r in commit["related"]
                if (r["id"], r["relation"]) == ("tree", "uses")] == [1.0]
        shoot(page, "review-rejected", 1280, 800, tmp_path)
        assert not problems, problems


def test_without_a_token_there_are_no_buttons_and_post_is_refused(browser, small_store):
    _notes, store = small_store
    with running_server(store) as url:
        page, problems = open_page(browser, 1280, 800)
        page.goto(url + "/explore/HEAD")
        page.locator(".rel-item").first.wait_for()
        assert page.locator("button.review").count() == 0
        request = urllib.request.Request(url + "/api/review", method="POST", data=json.dumps(
            {"action": "reject", "source": "HEAD", "type": "uses", "target": "Branch"}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 403
        assert json.loads(refused.value.read())["error"]["code"] == "review_disabled"
        assert not problems, problems
