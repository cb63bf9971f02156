"""Payments and bilans: advance on decision, bilan with receipts, balance after acceptance,
overdue bilans blocking new grants, and the balance guard in the database itself."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.errors import Conflict, Invalid
from backend.fph.models import Application, ApplicationStatus, BilanStatus, Fund
from backend.fph.service import applications as apps
from backend.fph.service import payments
from backend.fph.uploads import clean_upload
from backend.ledger.models import LedgerEntry
from backend.ledger.service import SYSTEM
from tests.fph.conftest import TODAY, grant_application, make_application, make_fund, make_meeting, resident

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def granted(
    session: Session, fund: Fund, lead: User | None = None, amount: int = 100_000, **overrides: Any
) -> Application:
    """An application granted `amount` at a new meeting (expenses 1 200 €)."""
    overrides.setdefault("lines", [("expense", "Location", 120_000)])
    return grant_application(session, fund, lead, amount, **overrides)


def pay(session: Session, application: Application, cents: int) -> None:
    payments.record_payment(
        session, SYSTEM, application, amount_cents=cents, paid_on=TODAY, reference="VIR-1", today=TODAY
    )


def bilan(session: Session, application: Application, spent: int, upload_dir: Path) -> None:
    receipt = clean_upload(PDF, "facture.pdf", allow_pdf=True)
    payments.submit_bilan(
        session, SYSTEM, application, narrative="Tout s'est bien passé, quarante personnes sont venues.",
        participants=40, actual_expenses_cents=spent, receipts=[receipt], photos=[], upload_dir=upload_dir,
    )  # fmt: skip


def test_advance_is_capped_at_the_advance_share(session: Session) -> None:
    fund = make_fund(session)
    application = granted(session, fund)
    assert payments.payment_due(session, application, fund).amount_cents == 80_000
    with pytest.raises(Invalid) as exc:
        pay(session, application, 90_000)
    assert exc.value.message == "Pour l'avance, vous pouvez verser au plus 800\u202f€."
    pay(session, application, 80_000)
    assert payments.payment_due(session, application, fund).kind is None
    with pytest.raises(Conflict):
        pay(session, application, 1)
    entry = session.exec(select(LedgerEntry).where(LedgerEntry.action == "fph.payment_recorded")).one()
    assert entry.reason.startswith("Avance de 800\u202f€ versé pour « Fête des voisins »")


def test_payment_needs_a_reference_and_a_past_date(session: Session) -> None:
    fund = make_fund(session)
    application = granted(session, fund)
    with pytest.raises(Invalid):
        payments.record_payment(
            session, SYSTEM, application, amount_cents=100, paid_on=TODAY, reference="", today=TODAY
        )
    with pytest.raises(Invalid):
        payments.record_payment(
            session,
            SYSTEM,
            application,
            amount_cents=100,
            paid_on=TODAY + timedelta(days=1),
            reference="X1",
            today=TODAY,
        )


def test_full_cycle_advance_bilan_balance_closes_the_file(session: Session, upload_dir: Path) -> None:
    fund = make_fund(session)
    application = granted(session, fund)
    pay(session, application, 80_000)
    bilan(session, application, 130_000, upload_dir)
    assert application.bilan_status == BilanStatus.submitted
    files = payments.attachments_of(session, payments.bilans_of(session, application.id)[0].id)
    assert [(f.kind, f.content_type) for f in files] == [("receipt", "application/pdf")]
    assert (upload_dir / "fph" / files[0].token).read_bytes() == PDF
    payments.review_bilan(session, SYSTEM, application, accept=True, reason="")
    due = payments.payment_due(session, application, fund)
    assert (due.kind, due.amount_cents) == ("balance", 20_000)
    pay(session, application, 20_000)
    assert application.status == ApplicationStatus.closed
    actions = [e.action for e in session.exec(select(LedgerEntry).where(LedgerEntry.object_id == str(application.id),
                                                                         LedgerEntry.object_type == "fph_application")
                                              .order_by(col(LedgerEntry.seq))).all()]  # fmt: skip
    assert actions == [
        "fph.application_submitted", "fph.agenda_added", "fph.application_granted", "fph.payment_recorded",
        "fph.bilan_submitted", "fph.bilan_accepted", "fph.payment_recorded",
    ]  # fmt: skip


def test_spending_less_lowers_the_final_grant_and_frees_money(session: Session, upload_dir: Path) -> None:
    fund = make_fund(session)
    application = granted(session, fund)
    pay(session, application, 80_000)
    bilan(session, application, 100_000, upload_dir)  # 90 % of 1 000 € = 900 €
    payments.review_bilan(session, SYSTEM, application, accept=True, reason="")
    session.refresh(fund)
    assert application.granted_cents == 90_000 and fund.granted_cents == 90_000
    assert payments.payment_due(session, application, fund).amount_cents == 10_000
    entry = session.exec(select(LedgerEntry).where(LedgerEntry.action == "fph.bilan_accepted")).one()
    assert "Aide définitive : 900\u202f€. 100\u202f€ non utilisés reviennent au fonds." in entry.reason


def test_a_returned_bilan_can_be_sent_again(session: Session, upload_dir: Path) -> None:
    fund = make_fund(session)
    application = granted(session, fund)
    bilan(session, application, 120_000, upload_dir)
    with pytest.raises(Invalid):
        payments.review_bilan(session, SYSTEM, application, accept=False, reason="")
    payments.review_bilan(
        session, SYSTEM, application, accept=False, reason="Il manque la facture du traiteur."
    )
    assert application.bilan_status == BilanStatus.returned
    with pytest.raises(Invalid):  # only the advance before the bilan is accepted
        pay(session, application, 100_000)
    bilan(session, application, 120_000, upload_dir)
    assert len(payments.bilans_of(session, application.id)) == 2


def test_bilan_needs_a_receipt_and_a_story(session: Session, upload_dir: Path) -> None:
    fund = make_fund(session)
    application = granted(session, fund)
    with pytest.raises(Invalid) as exc:
        payments.submit_bilan(session, SYSTEM, application, narrative="Très bien passé, merci à tous les voisins.",
                              participants=10, actual_expenses_cents=1, receipts=[], photos=[], upload_dir=upload_dir)  # fmt: skip
    assert exc.value.field == "receipts"
    with pytest.raises(Invalid) as exc:
        payments.submit_bilan(session, SYSTEM, application, narrative="ok", participants=10, actual_expenses_cents=1,
                              receipts=[clean_upload(PDF, "f.pdf", allow_pdf=True)], photos=[], upload_dir=upload_dir)  # fmt: skip
    assert exc.value.field == "narrative"
    assert not (upload_dir / "fph").exists() or not any((upload_dir / "fph").iterdir())


def test_overdue_bilan_is_listed_and_blocks_the_same_holder(session: Session) -> None:
    fund = make_fund(session)
    lead = resident(session)
    late = granted(session, fund, lead, action_date=TODAY + timedelta(days=10))
    later = TODAY + timedelta(days=80)  # action + 60 days has passed
    assert payments.overdue(session, [fund.id], later) == [late]
    assert apps.is_overdue(late, later) and not apps.is_overdue(late, TODAY)
    other = make_application(session, fund, lead, submit=False)
    failed = {c.rule for c in apps.eligibility(session, other, later) if not c.ok}
    assert "overdue_bilan" in failed
    # A neighbour who was not part of the late project is not blocked.
    fresh = make_application(session, fund, submit=False)
    assert "overdue_bilan" not in {c.rule for c in apps.eligibility(session, fresh, later) if not c.ok}


def test_grants_per_holder_and_year(session: Session) -> None:
    fund = make_fund(session, max_grants_per_holder=1)
    lead = resident(session)
    granted(session, fund, lead)
    again = make_application(session, fund, lead, submit=False)
    failed = {c.rule: c.message for c in apps.eligibility(session, again, TODAY) if not c.ok}
    assert failed["grants_per_year"] == "Vous avez déjà reçu 1 aide(s) cette année. Le maximum est 1 par an."


def test_an_association_is_the_same_holder_whatever_its_contact(session: Session) -> None:
    fund = make_fund(session, max_grants_per_holder=1)
    granted(session, fund, holder_kind="association", association_name="Corot Musique")
    again = make_application(
        session, fund, holder_kind="association", association_name="CorotMusique", submit=False
    )
    assert "grants_per_year" in {c.rule for c in apps.eligibility(session, again, TODAY) if not c.ok}


def test_the_database_refuses_a_negative_balance(session: Session) -> None:
    fund = make_fund(session, envelope_cents=10_000)
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            update(Fund).where(col(Fund.id) == fund.id).values(granted_cents=8_000, pending_cents=3_000)
        )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(text("UPDATE fph_fund SET envelope_cents = 0 WHERE id = :id AND granted_cents = 0"),
                        {"id": fund.id})  # fmt: skip
        session.execute(text("UPDATE fph_fund SET granted_cents = 1 WHERE id = :id"), {"id": fund.id})


def test_the_envelope_cannot_drop_below_what_is_committed(session: Session) -> None:
    from backend.fph.service.funds import FundSettings, update_fund

    fund = make_fund(session)
    make_meeting(session, fund)
    make_application(session, fund, amount_cents=50_000)
    settings = FundSettings(
        name="FPH test", year=fund.year, envelope_cents=40_000, association_name="Centre social"
    )
    with pytest.raises(Conflict) as exc:
        update_fund(session, SYSTEM, fund, settings)
    assert "500\u202f€" in exc.value.message


def test_photos_are_re_encoded_without_their_gps_data(session: Session) -> None:
    img = Image.new("RGB", (3000, 1500), "green")
    exif = Image.Exif()
    exif[0x8825] = {2: (43.0, 19.0, 0.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    raw = io.BytesIO()
    img.save(raw, "JPEG", exif=exif)
    cleaned = clean_upload(raw.getvalue(), "IMG_2001.JPG", allow_pdf=False)
    with Image.open(io.BytesIO(cleaned.data)) as out:
        assert out.format == "JPEG" and max(out.size) == 2000
        assert not out.getexif()
    assert cleaned.original_name == "IMG_2001.jpg"


@pytest.mark.parametrize(
    ("data", "allow_pdf", "message"),
    [
        (b"", True, "est vide"),
        (b"MZ\x90\x00 not a picture", True, "n'est pas une image lisible"),
        (b"<html><script>alert(1)</script></html>", True, "n'est pas une image lisible"),
        (b"%PDF-1.4 truncated", True, "abîmé ou incomplet"),
        (PDF, False, "pas des PDF"),
        (b"%PDF-" + b"x" * (5 * 1024 * 1024), True, "trop lourd"),
    ],
)
def test_files_are_checked_by_content(data: bytes, allow_pdf: bool, message: str) -> None:
    with pytest.raises(Invalid) as exc:
        clean_upload(data, "facture.jpg", allow_pdf=allow_pdf)
    assert message in exc.value.message


def test_an_image_disguised_as_pdf_is_still_an_image() -> None:
    raw = io.BytesIO()
    Image.new("RGB", (10, 10)).save(raw, "PNG")
    cleaned = clean_upload(raw.getvalue(), "facture.pdf", allow_pdf=True)
    assert cleaned.content_type == "image/png" and cleaned.original_name == "facture.png"
