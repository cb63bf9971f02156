"""Demo contacts of a few Marseille tables de quartier (fictional addresses and numbers: the
04 99 … range is reserved for fiction), so that the quartier page shows one."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.ledger.service import SYSTEM
from backend.territory.contact import ContactInput, get_contact, save_contact
from backend.territory.models import Qpv

CONTACTS = {
    "QN01342I": ContactInput(
        name="Table de quartier Malpassé Corot",
        email="table.malpasse-corot@demo.quartiers.fr",
        phone="04 99 13 42 00",
        place="Centre social Malpassé, salle du rez-de-chaussée",
        hours="Réunion ouverte le premier mardi du mois à 18 h\nPermanence le mercredi de 14 h à 17 h",
    ),
    "QN01332M": ContactInput(
        name="Table de quartier Centre-ville 3e",
        email="table.centre3@demo.quartiers.fr",
        phone="04 99 13 32 00",
        place="Maison pour tous Belle de Mai",
        hours="Réunion le deuxième jeudi du mois à 18 h 30",
    ),
    "QN01303I": ContactInput(
        name="Association des habitants de Saint-Henri",
        email="habitants.saint-henri@demo.quartiers.fr",
        place="Local associatif, place du village",
        hours="Permanence le samedi de 10 h à 12 h",
    ),
}


def load_contacts(session: Session) -> None:
    """Give the demo quartiers their contact, once (a contact changed by hand is kept)."""
    for code, typed in CONTACTS.items():
        qpv = session.exec(select(Qpv).where(Qpv.code == code)).first()
        if qpv is not None and get_contact(session, qpv) is None:
            save_contact(session, qpv, typed, SYSTEM)
