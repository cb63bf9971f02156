"""The test set-up itself: `make test` runs two xdist workers with `--dist loadgroup`, and relies on it to
keep the browser tests on one worker (one demo server, one chromium) and the tests that open many
connections one after the other (PostgreSQL allows 100)."""

from __future__ import annotations

import pytest


@pytest.mark.xdist_group("connections")
def test_a_grouped_test_is_named_after_its_group(request: pytest.FixtureRequest) -> None:
    """xdist keeps a group on one worker by naming each of its tests `<id>@<group>`. pytest 9.2 ignores
    that renaming (pytest-xdist#1386), and the groups are then silently spread over the workers: races
    then fail now and then with « too many clients ». pyproject.toml pins pytest below 9.2 for that."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only meaningful on an xdist worker under --dist loadgroup")
    assert request.node.nodeid.endswith("@connections"), request.node.nodeid
