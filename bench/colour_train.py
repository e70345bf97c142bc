"""Fit the learned colour head (detectors/colour_head.py) on the TUNING split of the hand-labelled
real crops, and only on it: held-out, fresh and fresh2 stay unseen (bench/colour_eval.py scores
them).

The head is a multinomial logistic regression on `detectors.colour.colour_features` (23 colour
statistics of the object's own pixels, chosen by the product's pixel selection with the pipeline's
motion mask), L2-regularised (LAMBDA) with class-balanced weights: one weight per feature and
class, no threshold set by hand. LAMBDA and the feature set were chosen by grouped 5-fold
cross-validation inside the tuning split (groups: clip and 100-frame stretch, so one car's frames
stay in one fold), printed here as `cv_accuracy`; `loco_accuracy` leaves one clip out instead.

Usage:
    VMS_TEST_DATA=/work/shared/data python bench/colour_train.py [--write] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from colour_eval import frame_tone, labelled_crops, load_labels, object_views  # noqa: E402

from detectors.colour import object_features  # noqa: E402

LAMBDA = 0.1
LOOSE = 0  # loosened copies of each tuning box added to the training set (`_loosened`)
HEAD = Path(__file__).resolve().parents[1] / "detectors" / "colour_head.py"


def tune_set(data: Path, views: bool = False, loose: int = LOOSE) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(features (n, k), labels (n,), groups (n,), is the labelled view (n,)) of the tuning crops;
    `views`: also of the same objects 0.4 and 0.8 s before and after (`colour_eval.object_views`:
    never next to an unseen crop), each with its crop's label and group."""
    labels = load_labels()
    if views:
        crops = ((r, bgr, box, mask) for r, bgr, box, mask in object_views(data, labels, {"tune"}))
    else:
        tune = [r for r in labels if r["split"] == "tune"]
        crops = ((r, bgr, r["box"], mask) for r, bgr, mask in labelled_crops(data, tune))
    X, y, groups, labelled = [], [], [], []
    rng = np.random.default_rng(0)
    for r, bgr, box, mask in crops:
        is_crop = bool(np.array_equal(np.asarray(box, float), r["box"]))
        tone = frame_tone(bgr)
        boxes = [box] + ([_loosened(box, rng) for _ in range(loose)] if is_crop else [])
        for k, b in enumerate(boxes):
            described = object_features(bgr, b, r["class"] == "person", mask, tone)
            if described is None:
                continue
            X.append(described[0])
            y.append(r["colour"])
            groups.append(f"{r['clip']}:{r['frame'] // 100}")
            labelled.append(is_crop and k == 0)
    return np.array(X), np.array(y), np.array(groups), np.array(labelled)


def _loosened(box: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The box as a detector might draw it: up to 25 % larger a side, centre off by up to 8 %."""
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2 + rng.uniform(-0.08, 0.08) * w, (y1 + y2) / 2 + rng.uniform(-0.08, 0.08) * h
    w, h = w * rng.uniform(1.0, 1.25), h * rng.uniform(1.0, 1.25)
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


def fit(X: np.ndarray, y: np.ndarray, classes: list[str], lam: float = LAMBDA) -> dict:
    """Class-balanced, L2-regularised multinomial logistic regression (L-BFGS)."""
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-6
    Xs = np.c_[(X - mean) / scale, np.ones(len(X))]
    k = len(classes)
    Y = np.eye(k)[[classes.index(v) for v in y]]
    sample_w = (Y * (len(y) / (k * np.maximum(Y.sum(axis=0), 1)))).sum(axis=1)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        W = w.reshape(Xs.shape[1], k)
        Z = Xs @ W
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        value = -(sample_w * np.log((P * Y).sum(axis=1) + 1e-12)).sum() + lam * (W[:-1] ** 2).sum()
        grad = Xs.T @ ((P - Y) * sample_w[:, None])
        grad[:-1] += 2 * lam * W[:-1]
        return float(value), grad.ravel()

    W = minimize(loss, np.zeros(Xs.shape[1] * k), jac=True, method="L-BFGS-B").x.reshape(Xs.shape[1], k)
    return {"classes": classes, "low": X.min(axis=0), "high": X.max(axis=0), "mean": mean, "scale": scale, "weights": W[:-1], "bias": W[-1]}


def predict(model: dict, X: np.ndarray) -> np.ndarray:
    Z = ((np.clip(X, model["low"], model["high"]) - model["mean"]) / model["scale"]) @ model["weights"] + model["bias"]
    return np.array(model["classes"])[Z.argmax(axis=1)]


def cv_accuracy(X: np.ndarray, y: np.ndarray, groups: np.ndarray, classes: list[str], scored: np.ndarray,
                folds: int = 5, seeds: int = 5) -> float:
    """Grouped k-fold accuracy inside the tuning split on the labelled views (`scored`), averaged
    over `seeds` fold draws; the other views of a held-out fold's objects are not trained on."""
    scores = []
    for seed in range(seeds):
        unique = np.unique(groups)
        np.random.default_rng(seed).shuffle(unique)
        fold_of = {g: i % folds for i, g in enumerate(unique)}
        fold = np.array([fold_of[g] for g in groups])
        hits = 0
        for i in range(folds):
            model = fit(X[fold != i], y[fold != i], classes)
            test = (fold == i) & scored
            hits += int((predict(model, X[test]) == y[test]).sum())
        scores.append(hits / int(scored.sum()))
    return round(float(np.mean(scores)), 3)


def loco_accuracy(X: np.ndarray, y: np.ndarray, groups: np.ndarray, scored: np.ndarray) -> dict[str, float]:
    """Leave one clip out inside the tuning split: fit on the other clips, score that one (a new
    camera's light and paint). Classes missing from the other clips cannot be named."""
    clips = np.array([g.split(":")[0] for g in groups])
    out = {}
    for clip in sorted(set(clips.tolist())):
        rest = clips != clip
        model = fit(X[rest], y[rest], sorted(set(y[rest].tolist())))
        test = ~rest & scored
        out[clip] = round(float((predict(model, X[test]) == y[test]).mean()), 3)
    return out


def head_source(model: dict, n: int, samples: int) -> str:
    """detectors/colour_head.py: the fitted constants as Python literals."""
    def arr(a: np.ndarray) -> str:
        return np.array2string(np.asarray(a), separator=", ", precision=6, max_line_width=100,
                               threshold=100000, floatmode="maxprec")
    return (
        '"""Learned colour head: multinomial logistic regression on detectors.colour.colour_features.\n\n'
        f"GENERATED by `python bench/colour_train.py --write` from the {n} crops of the tuning split of\n"
        f"bench/data/colour_labels.csv only ({samples} views; L2 lambda {LAMBDA}, class-balanced).\n"
        "Do not edit by hand.\n"
        '"""\n\n'
        "import numpy as np\n\n"
        f"CLASSES: tuple[str, ...] = {tuple(model['classes'])!r}\n"
        f"LOW = np.array({arr(model['low'])})  # features are clipped to the tuning crops' range\n"
        f"HIGH = np.array({arr(model['high'])})\n"
        f"MEAN = np.array({arr(model['mean'])})\n"
        f"SCALE = np.array({arr(model['scale'])})\n"
        f"WEIGHTS = np.array({arr(model['weights'])})\n"
        f"BIAS = np.array({arr(model['bias'])})\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write detectors/colour_head.py")
    parser.add_argument("--json", type=Path, help="write the training summary here")
    parser.add_argument("--views", action="store_true", help="train on several views of each tuning object")
    parser.add_argument("--loose", type=int, default=LOOSE, help="loosened box copies per tuning crop")
    args = parser.parse_args()
    data = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
    X, y, groups, labelled = tune_set(data, args.views, args.loose)
    classes = sorted(set(y.tolist()))
    model = fit(X, y, classes)
    summary = {"n_tune": int(labelled.sum()), "n_samples": len(y), "views": args.views, "classes": classes, "lambda": LAMBDA,
               "train_accuracy": round(float((predict(model, X[labelled]) == y[labelled]).mean()), 3),
               "cv_accuracy": cv_accuracy(X, y, groups, classes, labelled),
               "loco_accuracy": loco_accuracy(X, y, groups, labelled)}
    print(json.dumps(summary, indent=2))
    if args.write:
        HEAD.write_text(head_source(model, int(labelled.sum()), len(y)))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
