"""The panel's composition compared with the pool and the population, criterion by criterion."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from backend.assembly.models import Saisine
from backend.assembly.service.common import quota_categories
from backend.assembly.service.draws.files import parsed_pool
from backend.assembly.service.draws.panel import members
from backend.assembly.service.draws.pool import get_draw
from backend.assembly.service.recruitment.volunteers import volunteers as registered_volunteers


@dataclass(frozen=True)
class FeatureShare:
    key: str
    label: str
    population_share: float | None
    target: float | None
    min: int
    max: int
    pool: int
    panel: int | None

    def panel_share(self, panel_size: int) -> float | None:
        return None if self.panel is None or panel_size == 0 else self.panel / panel_size

    def pool_share(self, pool_size: int) -> float | None:
        return None if pool_size == 0 else self.pool / pool_size


@dataclass(frozen=True)
class CategoryShare:
    key: str
    label: str
    features: list[FeatureShare]


@dataclass(frozen=True)
class Composition:
    panel_size: int
    pool_size: int
    categories: list[CategoryShare]


def composition(session: Session, saisine: Saisine) -> Composition:
    """For each criterion: share in the population, quotas, volunteers and seats on the panel."""
    groups = quota_categories(session, saisine.id or 0)
    draw = get_draw(session, saisine)
    if draw is not None:
        _quotas, pool = parsed_pool(draw)
        features_of = {v.id: dict(v.features) for v in pool}
    else:
        features_of = {str(v.id): v.characteristics for v in registered_volunteers(session, saisine)}
    panel_ids = [m.pool_id for m in members(session, saisine)] if draw is not None and draw.drawn_at else None
    categories = []
    for group in groups:
        key = group.category.key
        shares = []
        for feature in group.features:
            in_pool = sum(1 for f in features_of.values() if f.get(key) == feature.key)
            on_panel = (
                sum(1 for pid in panel_ids if features_of.get(pid, {}).get(key) == feature.key)
                if panel_ids is not None
                else None
            )
            shares.append(
                FeatureShare(
                    feature.key,
                    feature.label,
                    feature.population_share,
                    feature.population_share * saisine.panel_size
                    if feature.population_share is not None
                    else None,
                    feature.min,
                    feature.max,
                    in_pool,
                    on_panel,
                )
            )
        categories.append(CategoryShare(key, group.category.label, shares))
    panel_size = len(panel_ids) if panel_ids is not None else saisine.panel_size
    return Composition(panel_size, len(features_of), categories)
