"""Sign-up by phone with the SMS confirmation, and a forgotten password by SMS code, on a phone-sized
screen (390×844), with no serious or critical axe violation on any page of the way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, describe

pytestmark = pytest.mark.browser


def last_code(outbox: Path, number: str) -> str:
    texts = [p.read_text(encoding="utf-8") for p in sorted(outbox.glob("*.txt"))]
    mine = [t for t in texts if t.startswith(number + "\n")]
    assert mine, f"no SMS to {number}"
    match = re.search(r"\b(\d{6})\b", mine[-1])
    assert match
    return match.group(1)


def no_axe_problem(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations)


def sign_up_by_phone(page: Any, phone: str, password: str) -> None:
    page.goto("/inscription")
    page.get_by_label("E-mail ou numéro de téléphone").fill(phone)
    page.get_by_label("Votre nom, ou un autre nom de votre choix").fill("Samia")
    page.get_by_label("Année de naissance").fill("1988")
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_label("Le même mot de passe, encore une fois").fill(password)
    page.get_by_label(re.compile("J'accepte")).check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_load_state()


def test_sign_up_by_phone_then_confirm_with_the_sms_code(page: Any, sms_outbox: Path) -> None:
    sign_up_by_phone(page, "06 70 00 00 01", "une phrase assez longue")
    assert page.url.endswith("/compte/confirmation")
    assert page.get_by_text("finit par 01").is_visible()
    no_axe_problem(page)
    page.get_by_label("Code reçu par SMS").fill(
        "000000" if last_code(sms_outbox, "+33670000001") != "000000" else "111111"
    )
    page.get_by_role("button", name="Confirmer mon numéro").click()
    assert page.get_by_role("alert").get_by_text("n'est pas bon").is_visible()
    no_axe_problem(page)
    page.get_by_label("Code reçu par SMS").fill(last_code(sms_outbox, "+33670000001"))
    page.get_by_role("button", name="Confirmer mon numéro").click()
    page.wait_for_load_state()
    assert page.url.endswith("/compte")
    assert page.get_by_text("Votre numéro de téléphone est confirmé").is_visible()
    no_axe_problem(page)


def test_forgotten_password_by_sms_code(page: Any, sms_outbox: Path) -> None:
    sign_up_by_phone(page, "06 70 00 00 02", "une phrase assez longue")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    page.goto("/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    no_axe_problem(page)
    page.get_by_label("E-mail ou numéro de téléphone").fill("06 70 00 00 02")
    page.get_by_role("button", name="Recevoir un lien ou un code").click()
    page.wait_for_load_state()
    assert page.url.endswith("/mot-de-passe-oublie/code")
    no_axe_problem(page)
    page.get_by_label("Code reçu par SMS").fill(last_code(sms_outbox, "+33670000002"))
    page.get_by_label("Nouveau mot de passe").fill("ma nouvelle phrase secrète")
    page.get_by_label("Le même mot de passe, encore une fois").fill("ma nouvelle phrase secrète")
    page.get_by_role("button", name="Changer le mot de passe").click()
    page.wait_for_load_state()
    assert page.url.endswith("/compte")
    assert page.get_by_text("Votre mot de passe est changé").is_visible()
    no_axe_problem(page)
