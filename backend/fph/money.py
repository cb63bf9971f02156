"""Money is integer cents everywhere; these helpers read and write French amounts."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from backend.errors import Invalid
from backend.i18n import gettext as _

NNBSP = "\u202f"
MAX_CENTS = 100_000_000_00  # 100 M€: far above any fund, keeps values in a 32-bit-safe range for sums


def eur(cents: int | None) -> str:
    """« 1 500 € » or « 12,50 € » (French separators)."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    text = f"{whole:,}".replace(",", NNBSP)
    if rest:
        text += f",{rest:02d}"
    return f"{sign}{text}{NNBSP}€"


def euros_input(cents: int | None) -> str:
    """A value to put back in a form field: « 1500 » or « 12,50 »."""
    if cents is None:
        return ""
    whole, rest = divmod(cents, 100)
    return f"{whole},{rest:02d}" if rest else str(whole)


def parse_eur(text: str, *, field: str, allow_zero: bool = False) -> int:
    """Read an amount typed by a person (« 1 500 », « 1500,50 », « 1.500 € ») into cents."""
    raw = re.sub(r"[\s\u00a0\u202f€]", "", text or "")
    if not raw:
        raise Invalid(_("Indiquez un montant en euros, par exemple 450."), field=field)
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw):  # « 1.500 »: a thousands separator
        raw = raw.replace(".", "")
    raw = raw.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", raw):
        raise Invalid(
            _("Écrivez le montant avec des chiffres seulement, par exemple 450 ou 450,50."), field=field
        )
    try:
        cents = int(Decimal(raw) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the regex already filters
        raise Invalid(_("Ce montant n'est pas valide."), field=field) from exc
    if cents > MAX_CENTS:
        raise Invalid(_("Ce montant est trop élevé."), field=field)
    if cents == 0 and not allow_zero:
        raise Invalid(_("Le montant doit être plus grand que 0 €."), field=field)
    return cents


def share(cents: int, pct: int) -> int:
    """pct % of an amount, rounded down to the cent (never more than the rule allows)."""
    return cents * pct // 100
