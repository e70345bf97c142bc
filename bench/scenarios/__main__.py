"""Write the scenario suite's scene scripts as YAML files: `python -m bench.scenarios --out DIR`."""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from bench.scenarios import suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for sc in suite():
        (args.out / f"{sc.name}.yaml").write_text(yaml.safe_dump(sc.script, sort_keys=False), encoding="utf-8")
    print(f"wrote {len(suite())} scenes to {args.out}")


if __name__ == "__main__":
    main()
