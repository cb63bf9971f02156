"""Demo contacts of a few Marseille tables de quartier (data/demo-table-contacts.csv: fictional
addresses and numbers, the 04 99 … range being reserved for fiction), so that the quartier page
shows one."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import Session, select

from backend.ledger.service import SYSTEM
from backend.territory.contact import ContactInput, get_contact, save_contact
from backend.territory.models import Qpv

CONTACTS_CSV = Path(__file__).parent / "data" / "demo-table-contacts.csv"


def demo_contacts() -> dict[str, ContactInput]:
    with CONTACTS_CSV.open(encoding="utf-8", newline="") as f:
        return {
            row["code_qp"]: ContactInput(row["name"], row["email"], row["phone"], row["place"], row["hours"])
            for row in csv.DictReader(f)
        }


def load_contacts(session: Session) -> None:
    """Give the demo quartiers their contact, once (a contact changed by hand is kept)."""
    for code, typed in demo_contacts().items():
        qpv = session.exec(select(Qpv).where(Qpv.code == code)).first()
        if qpv is not None and get_contact(session, qpv) is None:
            save_contact(session, qpv, typed, SYSTEM)
