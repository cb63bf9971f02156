"""Métropole → commune → secteur → QPV."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field

from backend.db import utc_field
from backend.models_common import Record, actor_field, text_field


class Metropole(Record, table=True):
    code: str = Field(max_length=20, unique=True)  # SIREN of the EPCI
    name: str = Field(max_length=200)


class Commune(Record, table=True):
    insee: str = Field(max_length=5, unique=True)
    name: str = Field(max_length=200)
    metropole_id: int | None = Field(default=None, foreign_key="metropole.id", index=True)


class Secteur(Record, table=True):
    """A grouping of QPV inside a commune (Marseille's COTER secteurs); configuration, editable."""

    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=200)
    commune_id: int = Field(foreign_key="commune.id", index=True)


class Qpv(Record, table=True):
    code: str = Field(max_length=12, unique=True)
    name: str = Field(max_length=200)
    population: int | None = None
    population_year: int | None = None
    # Main commune (first INSEE code); `communes` keeps every code for QPV spanning several.
    commune_id: int = Field(foreign_key="commune.id", index=True)
    communes: str = Field(max_length=200)
    secteur_id: int | None = Field(default=None, foreign_key="secteur.id", index=True)
    # GeoJSON geometry (MultiPolygon, WGS84) as text: portable across SQLite and PostgreSQL.
    geometry: str = text_field(...)
    updated_at: datetime = utc_field()

    @property
    def commune_codes(self) -> list[str]:
        return [c for c in self.communes.split(",") if c]


class QpvContact(Record, table=True):
    """The public contact of a quartier's table de quartier, kept by staff, shown on its page."""

    __tablename__ = "qpv_contact"
    qpv_id: int = Field(foreign_key="qpv.id", unique=True)
    name: str = Field(max_length=200)  # the table or the association that runs it
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)  # as typed (« 04 91 … »); the link is built from it
    place: str = Field(default="", max_length=300)
    hours: str = Field(default="", max_length=500)
    updated_at: datetime = utc_field()
    updated_by: str = actor_field()  # the staff member's public id, as in the journal


class QpvPublic(BaseModel):
    code: str
    name: str
    population: int | None
    commune: str
    sector: str | None


class QpvRef(BaseModel):
    """What the rest of the app needs of a QPV for scoping, without loading geometry."""

    id: int
    code: str
    name: str
    secteur_slug: str | None
    commune_insee: list[str]
    metropole_code: str | None
