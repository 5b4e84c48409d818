"""Adds the seed-robustness table (from shorter runs evaluated by evaluate.py in their own folders)
to the shipped model's eval.json and re-renders MODEL_CARD.md.

Usage: record_seeds.py MODEL_DIR SEED_RUN_DIR...
"""
import json
import sys

from evaluate import load_model
from model_card import write_model_card


def summary(run_dir):
    with open(f"{run_dir}/eval.json") as f:
        r = json.load(f)
    sup = r["supervised_head"]
    co = r["coreference_test"]
    return {"seed": r["training"]["hyperparameters"]["seed"], "steps": r["training"]["steps"],
            "train_minutes": round(r["training"]["train_seconds"] / 60, 1),
            "supervised_head_accuracy": co["per_head_accuracy"][sup["layer"]][sup["head"]],
            "best_head": [r["best_head"]["layer"], r["best_head"]["head"]],
            "default_sentence_resolves_to": r["default_sentence"]["resolves_to"],
            "masked_token_accuracy": r["masked_token_accuracy"]["model"]}


def main(model_dir, run_dirs):
    with open(f"{model_dir}/eval.json") as f:
        result = json.load(f)
    runs = [summary(d) for d in run_dirs]
    minutes = max(r["train_minutes"] for r in runs)
    result["seeds"] = {"note": f"Other seeds, each trained for at most {minutes:.0f} minutes on the same corpus and "
                               "vocabulary (shorter than the shipped run, so lower masked-token accuracy is expected), "
                               "evaluated on the same test sentences.",
                       "runs": runs}
    with open(f"{model_dir}/eval.json", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    _, cfg = load_model(model_dir)
    write_model_card(f"{model_dir}/MODEL_CARD.md", result, cfg)
    print(json.dumps(result["seeds"], indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
