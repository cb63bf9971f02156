"""The home page and /quartiers give the same QPV figures for the same scope, named in words;
the profile's quartier list says which commune each QPV is in."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.rendering import fmt_int
from backend.territory.models import Commune, Qpv
from tests.factories import login, make_user

MARSEILLE = "13055"  # the commune the public pages show first


def figures(html: str) -> tuple[str, str, str]:
    """(count, words, population) of the first "<strong>N</strong> quartiers ..." on a page."""
    found = re.search(
        r"<strong>([\d\u202f]+)</strong> (quartiers? prioritaires? [^<,]+?)\s*(?:</li>\s*<li>|,\s*)"
        r"<strong>([\d\u202f]+)</strong> habitants",
        html,
    )
    assert found, html
    return found.group(1), found.group(2).strip(), found.group(3)


def test_home_and_quartiers_say_the_same_thing(client: TestClient, session: Session) -> None:
    marseille = [q for q in session.exec(select(Qpv)).all() if MARSEILLE in q.commune_codes]
    expected = (fmt_int(len(marseille)), "quartiers prioritaires à Marseille")
    population = fmt_int(sum(q.population or 0 for q in marseille))
    assert len(marseille) == 41
    home = figures(client.get("/").text)
    assert home == (*expected, population)
    assert figures(client.get("/quartiers").text) == home
    assert figures(client.get(f"/quartiers?commune={MARSEILLE}").text) == home


def test_other_scopes_are_named(client: TestClient, session: Session) -> None:
    every = session.exec(select(Qpv)).all()
    communes = {q.commune_id for q in every}
    count, words, population = figures(client.get("/quartiers?commune=").text)
    assert (count, words) == (fmt_int(len(every)), f"quartiers prioritaires dans {len(communes)} communes")
    assert population == fmt_int(sum(q.population or 0 for q in every))
    aix = session.exec(select(Commune).where(Commune.insee == "13001")).one()
    from backend.territory.service import territory_quartiers

    scope = territory_quartiers(session, "13001")
    assert scope.commune == aix and scope.count >= 1
    count, words, _ = figures(client.get("/quartiers?commune=13001").text)
    assert count == fmt_int(scope.count) and words.endswith("à Aix-en-Provence")
    # An unknown commune shows every QPV, and says so.
    assert figures(client.get("/quartiers?commune=99999").text)[1].endswith(f"dans {len(communes)} communes")


def test_profile_groups_quartiers_by_commune(client: TestClient, session: Session) -> None:
    login(client, make_user(session))
    html = client.get("/compte").text
    select_html = html[
        html.index('<select id="f-qpv_code"') : html.index("</select>", html.index('id="f-qpv_code"'))
    ]
    labels = [unescape(x) for x in re.findall(r'<optgroup label="([^"]+)">', select_html)]
    communes = {c.id: c.name for c in session.exec(select(Commune)).all()}
    every = session.exec(select(Qpv)).all()
    assert sorted(labels) == sorted({communes[q.commune_id] for q in every}) and "Marseille" in labels
    assert labels[:2] == ["Aix-en-Provence", "Arles"]
    marseille = select_html[select_html.index('<optgroup label="Marseille">') :]
    marseille = marseille[: marseille.index("</optgroup>")]
    assert marseille.count("<option") == 41
    assert select_html.count('<option value="QN') == len(every)
