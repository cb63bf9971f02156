"""Benchmark of the panel draw: a synthetic QPV pool, LEXIMIN and LEGACY timed side by side.

Run: ``.venv/bin/python bench/draw.py`` (2,000 volunteers, panel of 111), ``--quick`` for a smaller run;
``--pool N --panel K --seed S --algorithm leximin`` for other instances.
Pool: 5 categories with the skew of real volunteer pools (older, more graduates, more owners than the
QPV population), quotas proportional to the population (+/- 10 %, at least 1 seat), about 10 % of the
volunteers living in two-person households. Times are measured, never asserted.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.assembly.sortition import Quota, Volunteer, draw  # noqa: E402

# category -> feature -> (share among volunteers, share in the population)
CATEGORIES: dict[str, dict[str, tuple[float, float]]] = {
    "gender": {"femme": (0.57, 0.52), "homme": (0.41, 0.47), "autre": (0.02, 0.01)},
    "age": {
        "16-18": (0.03, 0.06),
        "19-29": (0.12, 0.20),
        "30-44": (0.22, 0.26),
        "45-64": (0.36, 0.30),
        "65+": (0.27, 0.18),
    },
    "secteur": {
        "nord-littoral": (0.24, 0.34),
        "nord-est": (0.22, 0.27),
        "centre": (0.34, 0.25),
        "sud-huveaune": (0.20, 0.14),
    },
    "education": {
        "sans-diplome": (0.12, 0.33),
        "cap-brevet": (0.22, 0.27),
        "bac": (0.26, 0.21),
        "superieur": (0.40, 0.19),
    },
    "housing": {"hlm": (0.42, 0.55), "locataire-prive": (0.30, 0.30), "proprietaire": (0.28, 0.15)},
}


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def make_pool(size: int, seed: int = 2024, household_share: float = 0.10) -> list[Volunteer]:
    """Synthetic volunteers; age and education are correlated (the young rarely hold a degree yet)."""
    rng = random.Random(seed)
    people: list[Volunteer] = []
    while len(people) < size:
        features = {c: _pick(rng, {f: s[0] for f, s in fs.items()}) for c, fs in CATEGORIES.items()}
        if features["age"] == "16-18":
            features["education"] = rng.choice(["sans-diplome", "cap-brevet"])
        people.append(Volunteer(id=str(len(people) + 1), features=features))
        if rng.random() < household_share / 2 and len(people) < size:
            partner = dict(features)
            partner["gender"] = _pick(rng, {"femme": 0.5, "homme": 0.5})
            partner["age"] = features["age"] if features["age"] != "16-18" else "45-64"
            partner["education"] = _pick(rng, {f: s[0] for f, s in CATEGORIES["education"].items()})
            home = f"foyer-{len(people)}"
            people[-1] = Volunteer(id=people[-1].id, features=features, household=home)
            people.append(Volunteer(id=str(len(people) + 1), features=partner, household=home))
    return people


def make_quotas(panel_size: int) -> list[Quota]:
    """Quotas proportional to the population: round(share * k) +/- 10 % (at least one seat of slack)."""
    quotas = []
    for category, features in CATEGORIES.items():
        for feature, (_, population) in features.items():
            target = population * panel_size
            slack = max(1.0, 0.1 * target)
            quotas.append(Quota(category, feature, max(0, round(target - slack)), round(target + slack)))
    return quotas


def main() -> None:
    """Time each algorithm on the synthetic pool and print minimum probabilities."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pool of 500, panel of 40")
    parser.add_argument("--pool", type=int, default=None)
    parser.add_argument("--panel", type=int, default=None)
    parser.add_argument(
        "--legacy-runs", type=int, default=None, help="LEGACY runs for the probability estimate"
    )
    parser.add_argument("--seed", type=int, default=2024, help="seed of the synthetic pool")
    parser.add_argument(
        "--algorithm", choices=("leximin", "legacy", "both"), default="both", help="which draws to time"
    )
    args = parser.parse_args()
    pool_size = args.pool or (500 if args.quick else 2000)
    panel_size = args.panel or (40 if args.quick else 111)
    runs = args.legacy_runs or (50 if args.quick else 100)
    people = make_pool(pool_size, seed=args.seed)
    quotas = make_quotas(panel_size)
    households = sum(1 for v in people if v.household)
    print(
        f"pool {pool_size} volunteers ({households} in two-person households), panel {panel_size}, "
        f"{len(quotas)} quotas over {len(CATEGORIES)} categories, mean probability {panel_size / pool_size:.4f}"
    )
    for algorithm in ("leximin", "legacy") if args.algorithm == "both" else (args.algorithm,):
        started = time.perf_counter()
        result = draw(quotas, people, panel_size, seed="bench", algorithm=algorithm, legacy_runs=runs)
        elapsed = time.perf_counter() - started
        print(
            f"{algorithm:8} {elapsed:8.2f} s   minimum probability {result.minimum_probability:.6f}   "
            f"{result.probability_method}"
        )


if __name__ == "__main__":
    main()
