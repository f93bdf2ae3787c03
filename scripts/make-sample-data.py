"""Writes the sample data shipped in every generated project (templates/base/data/sample/).

Synthetic customers with a known propensity to buy, so a trained model has something real to
find and beats the constant model. Seeded: running it again gives the same bytes.

    python3 scripts/make-sample-data.py [--rows N --out FILE --unlabelled]

With no arguments it rewrites the two sample files; the benchmark uses it for large inputs.
"""

import argparse
import csv
import math
import random
import sys
from pathlib import Path

REGIONS = ("north", "south", "east", "west")
REGION_EFFECT = {"north": 0.35, "south": -0.3, "east": 0.0, "west": 0.15}
SAMPLE = Path(__file__).resolve().parent.parent / "templates" / "base" / "data" / "sample"


def customer(rng: random.Random, index: int, labelled: bool) -> list[object]:
    age = rng.randint(18, 90)
    tenure = min(600, int(rng.expovariate(1 / 36)))
    spend = round(min(5000.0, rng.lognormvariate(4.0, 0.7)), 2)
    region = rng.choice(REGIONS)
    logit = -1.2 + 0.9 * math.log1p(spend / 60) - 0.012 * (age - 45) + 0.01 * tenure + REGION_EFFECT[region]
    row: list[object] = [f"C{index:07d}", age, tenure, f"{spend:.2f}", region]
    if labelled:
        row.append(int(rng.random() < 1 / (1 + math.exp(-logit + 1.0))))
    return row


def write(path: Path, rows: int, labelled: bool, seed: int, first_id: int) -> None:
    rng = random.Random(seed)
    header = ["customer_id", "age", "tenure_months", "monthly_spend", "region"]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header + (["bought"] if labelled else []))
        for i in range(rows):
            writer.writerow(customer(rng, first_id + i, labelled))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--unlabelled", action="store_true")
    args = parser.parse_args()
    if args.out:
        write(args.out, args.rows or 1000, not args.unlabelled, seed=7, first_id=1)
        return
    SAMPLE.mkdir(parents=True, exist_ok=True)
    write(SAMPLE / "training.csv", 1000, labelled=True, seed=1, first_id=1)
    write(SAMPLE / "scoring.csv", 200, labelled=False, seed=2, first_id=5001)
    print(f"wrote {SAMPLE}", file=sys.stderr)


if __name__ == "__main__":
    main()
