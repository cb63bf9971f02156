"""`qp draw`: read the reference CSV files, draw a panel, print JSON; exit 2 on bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from backend.assembly.sortition import (
    ALGORITHMS,
    DrawResult,
    InfeasibleQuotasError,
    LegacyUnavailableError,
    PoolFormatError,
    draw,
    parse_categories,
    parse_people,
)


def result_json(result: DrawResult) -> str:
    """The printed document: ids as strings, probabilities keyed by id, stable key order."""
    document = {
        "algorithm": result.algorithm,
        "seed": result.seed,
        "pool_sha256": result.pool_sha256,
        "quotas_sha256": result.quotas_sha256,
        "panel_size": result.panel_size,
        "panel": list(result.panel),
        "reserve": list(result.reserve),
        "probabilities": dict(result.probabilities),
        "minimum_probability": result.minimum_probability,
        "probability_method": result.probability_method,
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PoolFormatError(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PoolFormatError(f"{what} file {path} cannot be read as UTF-8 text: {exc}") from None


def draw_command(categories: Path, people: Path, number: int, seed: str, algorithm: str) -> int:
    """Run a draw from files and print its JSON; 0 on success, 2 on bad input (message on stderr), 1 on solver
    trouble or when LEGACY is asked for without its optional package."""
    if algorithm not in ALGORITHMS:
        print(f"unknown algorithm {algorithm!r}: choose leximin or legacy", file=sys.stderr)
        return 2
    try:
        quotas = parse_categories(_read(categories, "categories"), source=categories.name)
        volunteers = parse_people(_read(people, "respondents"), quotas, source=people.name)
        result = draw(quotas, volunteers, number, seed, algorithm=algorithm)
    except LegacyUnavailableError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except InfeasibleQuotasError as exc:
        print("quotas cannot be met:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.message}", file=sys.stderr)
        return 2
    except (PoolFormatError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except RuntimeError as exc:  # solver trouble, not the user's input
        print(f"the draw failed: {exc}", file=sys.stderr)
        return 1
    print(result_json(result))
    return 0
