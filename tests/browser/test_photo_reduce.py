"""Phone photos are reduced in the browser before upload (static/js/photo.js): a 4000×3000 photo
chosen in the proposal form reaches the server at most 1600 px on its long side, turned the way
the phone meant, while a progress bar shows the upload; without JavaScript the original is sent."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from backend.budget.photos import clean_photo
from backend.budget.service import proposal_photos
from tests.browser.chromium import PHONE
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

FORM = "/budget-participatif/appel-idees-2027/proposer"


def phone_photo(path: Path) -> bytes:
    """A 4000×3000 JPEG that the phone took upright: EXIF orientation 6 (turn it 90° to show it)."""
    picture = Image.effect_noise((400, 300), 60).resize((4000, 3000)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    picture.save(path, format="JPEG", quality=90, exif=exif)
    return path.read_bytes()


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """The photos as they arrive at the server (the live server runs in this process)."""
    arrived: list[bytes] = []

    def spy(raw: bytes) -> bytes:
        arrived.append(raw)
        return clean_photo(raw)

    monkeypatch.setattr(proposal_photos, "clean_photo", spy)
    yield arrived


def fill_proposal(page: Any, title: str, photo: Path) -> None:
    page.goto(FORM)
    page.get_by_label("Le titre de l'idée").fill(title)
    page.get_by_label("Votre idée").fill("Des bancs à l'ombre le long du chemin, pour les personnes âgées.")
    page.get_by_label("Le thème").select_option(label="Nature en ville")
    page.get_by_label("Combien ça coûte, à peu près ? (en euros)").fill("6000")
    page.locator("#f-photo").set_input_files(str(photo))


def test_a_phone_photo_is_reduced_before_upload_with_progress(
    page: Any, received: list[bytes], tmp_path: Path
) -> None:
    original = phone_photo(tmp_path / "IMG_0001.jpg")
    login(page, "lea@demo.quartiers.fr")
    fill_proposal(page, "Des bancs à l'ombre", tmp_path / "IMG_0001.jpg")
    # A slow network, so that the upload lasts long enough to be seen.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000},
    )
    page.get_by_role("button", name="Envoyer ma proposition").click()
    # The bar shows once the photo is reduced (a canvas in chromium): seconds on a loaded CI machine.
    expect(page.locator("form progress")).to_be_attached(timeout=30_000)
    expect(page.get_by_text("Votre proposition est envoyée")).to_be_visible(timeout=60_000)
    assert page.url.split("/budget-participatif/")[1].startswith("appel-idees-2027/propositions/")

    assert len(received) == 1
    sent = Image.open(io.BytesIO(received[0]))
    assert sent.format == "JPEG" and sent.size == (1200, 1600)  # upright, 1600 px on the long side
    assert len(received[0]) < len(original) / 2
    # What the server stored is the same size (it would have reduced a bigger one itself).
    stored = page.locator("main img").first.get_attribute("src")
    photo = page.request.get(stored)
    assert Image.open(io.BytesIO(photo.body())).size == (1200, 1600)


def test_without_javascript_the_original_is_uploaded(
    browser: Any, live_server: str, received: list[bytes], tmp_path: Path
) -> None:
    original = phone_photo(tmp_path / "IMG_0002.jpg")
    context = browser.new_context(
        viewport=PHONE, base_url=live_server, locale="fr-FR", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, "amina@demo.quartiers.fr")
    fill_proposal(page, "Un abri pour attendre le bus", tmp_path / "IMG_0002.jpg")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_load_state()
    context.close()
    assert received == [original]
