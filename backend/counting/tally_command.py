"""``qp tally FILE [--rule RULE] [--strict]``: count a pabulib file and print the result as JSON."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

from backend.counting.pabulib import read_pb
from backend.counting.pabulib_sections import PbFormatError
from backend.counting.tally import TallyError, tally


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def tally_command(file: Path, rule: str | None, strict: bool = False) -> int:
    """Print ``{"rule", "selected", "spent", "budget"}`` as JSON and return 0; on a malformed
    file or an unusable rule, print the reason to stderr and return 2.

    A vote naming a project twice counts it once (as the cities count such votes), with a notice
    per vote on stderr; ``strict`` refuses the file instead.

    ``selected`` lists project ids in the order the rule funded them (greedy: by decreasing
    score; Method of Equal Shares: in its funding order, then the greedy completion if any).
    """
    try:
        instance = read_pb(file, strict=strict)
        used, outcome = tally(instance, rule)
    except OSError as exc:
        print(f"error: cannot read {file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (PbFormatError, TallyError) as exc:
        print(f"error: {file}: {exc}", file=sys.stderr)
        return 2
    for repeat in instance.repeats:
        print(
            f"notice: {file}: line {repeat.line}: voter {repeat.voter_id!r} names project "
            f"{repeat.project_id!r} twice; counted once (--strict refuses such a file)",
            file=sys.stderr,
        )
    result = {
        "rule": used,
        "selected": list(outcome.selected),
        "spent": _json_number(outcome.spent),
        "budget": _json_number(instance.budget),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0
