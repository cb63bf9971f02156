"""A form sent from the browser comes back with what was typed still in it, whether it was refused or
saved: one step shared by the browser tests."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import submit


def submit_field(page: Any, label: str, value: str, *, button: str, says: str) -> None:
    """Type `value` into the field labelled `label` and press `button`; the page that comes back says
    `says` and the field still holds `value`."""
    page.get_by_label(label).fill(value)
    submit(page, button)
    assert says in page.content()
    assert page.get_by_label(label).input_value() == value
