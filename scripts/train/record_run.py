"""Adds the whole run's wall-clock and CPU time (corpus to evaluation) and the machine's load to
eval.json, then re-renders MODEL_CARD.md from it.

Usage: record_run.py MODEL_DIR --wall-seconds S --cpu-seconds S
"""
import argparse
import json
import os

from evaluate import load_model
from model_card import write_model_card


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--wall-seconds", type=float, required=True)
    ap.add_argument("--cpu-seconds", type=float, required=True)
    args = ap.parse_args()
    with open(f"{args.model_dir}/eval.json") as f:
        result = json.load(f)
    load_1, load_5, load_15 = os.getloadavg()
    cores = os.cpu_count()
    # CPU time below the wall time means the run waited for the CPU; a load average above what the
    # run itself uses (about one busy thread) means other work shared the machine.
    result["run"] = {"wall_seconds": round(args.wall_seconds), "cpu_seconds": round(args.cpu_seconds),
                     "cores": cores, "load_average_15min_at_end": round(load_15, 2),
                     "shared_machine": load_15 > 1.5 or args.cpu_seconds < 0.8 * args.wall_seconds}
    with open(f"{args.model_dir}/eval.json", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    _, cfg = load_model(args.model_dir)
    write_model_card(f"{args.model_dir}/MODEL_CARD.md", result, cfg)
    print(json.dumps(result["run"]))


if __name__ == "__main__":
    main()
