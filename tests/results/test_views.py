"""Who sees the dashboard, and what the page shows (charts with their tables, htmx fragment)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import Role
from tests.budget.helpers import CORO
from tests.factories import login, make_staff, make_user, page_text
from tests.results.helpers import dataset


def test_only_the_copil_and_administrators_see_the_dashboard(client: TestClient, session: Session) -> None:
    assert client.get("/resultats/tableau-de-bord").status_code == 303
    login(client, make_staff(session, Role.agent, "commune", "13055"))
    assert client.get("/resultats/tableau-de-bord").status_code == 403
    client.cookies.clear()
    login(client, make_user(session))
    assert client.get("/resultats/tableau-de-bord").status_code == 403


def test_dashboard_page(client: TestClient, session: Session) -> None:
    data = dataset(session)
    login(client, make_staff(session, Role.copil, "commune", "13055"))
    response = client.get(f"/resultats/tableau-de-bord?edition={data.edition.slug}")
    assert response.status_code == 200
    text = page_text(response)
    # Each chart has a title and is followed by a table with the same figures.
    assert text.count('role="img"') >= 4 and text.count("<table") >= text.count('role="img"')
    assert "Participation par quartier" in text and "Malpassé Corot" in text
    assert "Genre des membres de l'assemblée" in text
    one = page_text(
        client.get(f"/resultats/tableau-de-bord?edition={data.edition.slug}&quartier={CORO}&annee=2026")
    )
    assert "Centre Ville 3e" not in one.split("Participation par quartier")[1].split("</table>")[0]
    fragment = client.get(
        f"/resultats/tableau-de-bord?edition={data.edition.slug}", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<div id="figures"')
    # Unknown filters fall back to the defaults instead of failing.
    assert client.get("/resultats/tableau-de-bord?edition=nope&annee=x&secteur=zz").status_code == 200
