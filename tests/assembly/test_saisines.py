from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from backend.assembly.models import QuotaFeature, SaisineStatus
from backend.assembly.service import saisines
from backend.assembly.service.common import quota_categories, saisine_journal
from backend.errors import Conflict, Invalid
from backend.territory.models import Qpv
from tests.assembly.helpers import AGENT, make_pool, make_saisine, seeded, set_bounds


def test_secteur_quotas_follow_the_population_of_the_qpv(session: Session) -> None:
    saisine = make_saisine(session, panel_size=40, categories=["genre", "secteur"])
    groups = {g.category.key: g for g in quota_categories(session, saisine.id or 0)}
    secteur = groups["secteur"]
    assert [f.key for f in secteur.features] == ["centre", "nord-littoral", "nord-est", "sud-huveaune"]
    qpvs = [q for q in session.exec(select(Qpv)).all() if "13055" in q.commune_codes]
    total = sum(q.population or 0 for q in qpvs)
    nord_est = sum(q.population or 0 for q in qpvs if q.code in {"QN01342I", "QN01344M"}) / total
    assert nord_est > 0
    assert sum(f.population_share or 0 for f in secteur.features) == pytest.approx(1)
    for feature in secteur.features:
        target = (feature.population_share or 0) * 40
        assert feature.min <= target <= feature.max
        assert feature.max - feature.min <= 2 * saisines.default_slack(40) + 1


def test_qpv_category_lists_every_qpv_of_the_commune(session: Session) -> None:
    saisine = make_saisine(session, categories=["quartier"])
    (group,) = quota_categories(session, saisine.id or 0)
    assert len(group.features) == 41
    assert group.features[0].population_share is not None


def test_creation_is_journaled_with_the_quotas(session: Session) -> None:
    saisine = make_saisine(session, categories=["genre", "age"])
    (entry,) = saisine_journal(session, saisine.id or 0)
    assert entry.action == "assembly.saisine_created"
    assert entry.actor_role == "copil"
    assert '"16-18"' in entry.payload and "Jeunes et emploi" in entry.reason


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "x"}, "title"),
        ({"question": "Pourquoi"}, "question"),
        ({"panel_size": 2}, "panel_size"),
        ({"avis_deadline": date.today()}, "avis_deadline"),
        ({"avis_deadline": None}, "avis_deadline"),
        ({"categories": []}, "categories"),
        ({"categories": ["secteur", "quartier"]}, "categories"),
        ({"registration_mode": "lettre"}, "registration_mode"),
        ({"registration_deadline": date.today() + timedelta(days=400)}, "registration_deadline"),
    ],
)
def test_bad_saisine_is_refused_naming_the_field(
    session: Session, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(Invalid) as err:
        make_saisine(session, **overrides)
    assert err.value.field == field


def test_quota_bounds_are_checked_and_name_the_quota(session: Session) -> None:
    saisine = make_saisine(session)
    femme = session.exec(select(QuotaFeature).where(QuotaFeature.key == "femme")).all()[-1]
    with pytest.raises(Invalid, match="Genre : une femme") as err:
        saisines.set_quotas(session, AGENT, saisine, {femme.id or 0: ("4", "2")})
    assert err.value.field == f"q{femme.id}"
    with pytest.raises(Invalid, match="nombres entiers"):
        saisines.set_quotas(session, AGENT, saisine, {femme.id or 0: ("deux", "3")})
    with pytest.raises(Invalid, match="minimums font 7"):
        set_bounds(session, saisine, {("genre", "femme"): (4, 6), ("genre", "homme"): (3, 6)})
    with pytest.raises(Invalid, match="maximums ne font que 5"):
        set_bounds(
            session,
            saisine,
            {("genre", "femme"): (0, 2), ("genre", "homme"): (0, 2), ("genre", "autre"): (0, 1)},
        )


def test_quotas_are_frozen_with_the_seed(session: Session) -> None:
    saisine = make_saisine(session)
    set_bounds(session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3)})
    make_pool(session, saisine, {"femme": 4, "homme": 4})
    seeded(session, saisine)
    assert saisine.status == SaisineStatus.seed_fixed
    with pytest.raises(Conflict):
        set_bounds(session, saisine, {})
    actions = [e.action for e in saisine_journal(session, saisine.id or 0)]
    assert actions == [
        "assembly.saisine_created", "assembly.quotas_set", "assembly.pool_frozen", "assembly.seed_fixed",
    ]  # fmt: skip


def test_suggested_bounds() -> None:
    assert saisines.suggested_bounds(0.5, 10, 1) == (4, 6)
    assert saisines.suggested_bounds(0.02, 24, 1) == (0, 2)
    assert saisines.suggested_bounds(1.0, 10, 1) == (9, 10)
