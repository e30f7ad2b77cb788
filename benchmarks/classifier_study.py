"""Study of KerasImageClassifier's network and training (docs/classifier_study.md).

Folds: repeated stratified 5-fold CV, 3 repeats (15 folds, seed 0) of an
image data set (an .npz with ``images`` (n, H, W, C) uint8 and ``target``).

``inner``: settings are compared inside the training part of an outer fold
only: it is split once more, stratified, 80 % to train and 20 % to score (the
outer fold's test images are not read). ``outer``: the chosen settings (and
the former default, "baseline") trained on the whole training part of each
outer fold and scored once on its test part. Resampling (random_over, SMOTE)
is applied to the training images only, in both. One JSON line per
(fold, config, resampler) is appended to ``--out`` as it finishes.

    python benchmarks/classifier_study.py inner --data .gpudata/elpv_64.npz \\
        --folds 0 --configs resnet resnet_flip --out inner.jsonl
    python benchmarks/classifier_study.py summary inner.jsonl

Public API only. Each setting is KerasImageClassifier parameters and, for
the residual network, an update budget: the script works out the epochs
from it as ``epochs="auto"`` does (``clip(ceil(updates / steps), 10, 100)``,
``steps = ceil(n / batch_size)``, n the images that train: with
``validation_split``, those left after the classifier's split, copies of an
image kept together) and passes ``epochs=`` explicitly. The cosine schedule
spans epochs x steps updates either way, so the training is the one the
study measured (``benchmarks/results/classifier_study/``), when the budget
was set by changing the classifier's private module constants. Changed
since: ``resnet_nols`` (label smoothing 0, not a parameter, never measured)
was dropped; ``--scale`` (x UPDATES, and 1 epoch at least, for a smoke run)
became ``--epochs N``, which trains every setting for N epochs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

RESAMPLERS = ("none", "random_over", "smote")
# Fields of a record too long to print.
LONG = ("classes", "proba", "target")


def configs():
    """name -> (KerasImageClassifier parameters, update budget or None)."""
    import keras

    from gansampler.classifiers import build_default_cnn

    def baseline_cnn(input_shape, n_classes):
        # The default until 2026-12-04: plain CNN, Adam 1e-3, plain CE.
        model = build_default_cnn(input_shape, n_classes)
        model.compile(
            keras.optimizers.Adam(1e-3),
            "sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    safe = "translation,zoom,brightness,contrast"
    return {
        # What the comparisons used until now (gansampler compare on ELPV).
        "baseline": (dict(model=baseline_cnn, epochs=15), None),
        # 1,000 updates: what epochs="auto" gives (the default).
        "resnet": (dict(), 1000),
        "resnet_u2000": (dict(), 2000),
        "resnet_u3000": (dict(), 3000),
        "resnet_val": (dict(validation_split=0.1), 2000),
        "resnet_flip": (dict(augmentation="flip"), 1000),
        "resnet_safe": (dict(augmentation=safe), 1000),
        "resnet_flip_safe": (dict(augmentation="flip," + safe), 1000),
        # The parts of "safe" on their own.
        "resnet_translation": (dict(augmentation="translation"), 1000),
        # The same setting; the records of resnet_translation in
        # results/classifier_study/cpu32 were made when the classifier's
        # translation filled its border with 0 (black), these since it
        # mirrors the image into it.
        "resnet_translation_mirrored": (dict(augmentation="translation"), 1000),
        "resnet_intensity": (dict(augmentation="brightness,contrast"), 1000),
        "resnet_zoom": (dict(augmentation="zoom"), 1000),
        "resnet_flip_u2000": (dict(augmentation="flip"), 2000),
        "resnet_flip_safe_u2000": (dict(augmentation="flip," + safe), 2000),
    }


#: Bounds and batch size of KerasImageClassifier's epochs="auto".
MIN_EPOCHS, MAX_EPOCHS, BATCH_SIZE = 10, 100, 32


def n_trained(images, y, validation_split, random_state):
    """How many of ``images`` the classifier trains on (not validates on).

    The classifier's split, worked out again from its documented behaviour:
    one seed drawn from ``random_state``; a fraction of the distinct images
    of each class (stratified), all copies of an image on one side.
    """
    n = len(y)
    if validation_split <= 0:
        return n
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state

    seed = int(check_random_state(random_state).randint(2**31 - 1))
    flat = np.ascontiguousarray(images.reshape(n, -1))
    _, first, group = np.unique(flat, axis=0, return_index=True, return_inverse=True)
    group = group.reshape(-1)
    n_val = int(np.ceil(validation_split * len(first)))
    if len(first) == n:
        return n - n_val
    _, val_groups = train_test_split(
        np.arange(len(first)), test_size=n_val, random_state=seed, stratify=y[first]
    )
    return int(np.sum(~np.isin(group, val_groups)))


def epochs_for(updates, n_train, batch_size=BATCH_SIZE):
    """The epochs of ``epochs="auto"`` for an update budget of ``updates``."""
    steps = int(np.ceil(n_train / batch_size))
    return int(np.clip(int(np.ceil(updates / steps)), MIN_EPOCHS, MAX_EPOCHS))


def load(path):
    data = np.load(path)
    images, target = data["images"], np.asarray(data["target"], dtype=float)
    classes = np.unique(target)
    y = np.searchsorted(classes, target)
    return images, y


def outer_folds(y):
    from sklearn.model_selection import RepeatedStratifiedKFold

    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=0)
    return list(cv.split(np.zeros(len(y)), y))


def resample(name, X, y, seed):
    if name == "none":
        return X, y
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    sampler = {
        "random_over": RandomOverSampler(random_state=seed),
        "smote": SMOTE(random_state=seed),
    }[name]
    flat, y_res = sampler.fit_resample(X.reshape(len(X), -1), y)
    return flat.reshape(-1, *X.shape[1:]).astype(X.dtype), y_res


def flip_averaged(classifier, images, proba):
    """Classes from the probabilities averaged over the image and its 3 flips.

    ``proba`` is the classifier's for ``images`` as they are. Test-time flips,
    the same fitted network: a way to lower the classifier's variance where
    flips keep the class (solar cells, not digits).
    """
    proba = proba + sum(
        classifier.predict_proba(np.ascontiguousarray(images[:, ::rows, ::cols]))
        for rows, cols in ((1, -1), (-1, 1), (-1, -1))
    )
    return classifier.classes_[np.argmax(proba, axis=1)]


def run(args):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score
    from sklearn.model_selection import train_test_split

    from gansampler.classifiers import KerasImageClassifier

    images, y = load(args.data)
    folds = outer_folds(y)
    table = configs()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for fold in args.folds:
        train, test = folds[fold]
        if args.stage == "inner":
            train, test = train_test_split(
                train, test_size=0.2, stratify=y[train], random_state=1000 + fold
            )
        for config in args.configs:
            params, updates = table[config]
            for name in args.resamplers:
                X_tr, y_tr = resample(name, images[train], y[train], fold)
                fit_params = dict(params, random_state=fold)
                if args.epochs is not None:  # a smoke run
                    fit_params["epochs"] = args.epochs
                elif updates is not None:
                    n = n_trained(X_tr, y_tr, params.get("validation_split", 0), fold)
                    fit_params["epochs"] = epochs_for(updates, n)
                clf = KerasImageClassifier(**fit_params)
                start = time.perf_counter()
                clf.fit(X_tr, y_tr)
                seconds = time.perf_counter() - start
                proba = clf.predict_proba(images[test])
                pred = clf.classes_[np.argmax(proba, axis=1)]
                pred_flips = flip_averaged(clf, images[test], proba)
                row = {
                    "stage": args.stage,
                    "fold": fold,
                    "config": config,
                    "resampler": name,
                    "balanced_accuracy": balanced_accuracy_score(y[test], pred),
                    "accuracy": accuracy_score(y[test], pred),
                    "flips_balanced_accuracy": balanced_accuracy_score(
                        y[test], pred_flips
                    ),
                    "flips_accuracy": accuracy_score(y[test], pred_flips),
                    "fit_seconds": seconds,
                    "epochs": len(clf.history_["loss"]),
                    "best_epoch": clf.best_epoch_,
                    "n_train": len(y_tr),
                    # For averages over settings afterwards (``summary``):
                    # the scored images' probabilities, in the split's order.
                    "classes": clf.classes_.tolist(),
                    "proba": np.round(proba, 4).tolist(),
                    "target": y[test].tolist(),
                }
                with out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                shown = {k: v for k, v in row.items() if k not in LONG}
                print(json.dumps(shown), flush=True)


def summary(args):
    rows = [json.loads(line) for path in args.files for line in open(path)]
    by = {}
    for r in rows:
        by.setdefault((r["stage"], r["config"], r["resampler"]), {})[r["fold"]] = r
    print("| stage | config | resampler | folds | balanced accuracy | accuracy "
          "| fit time (s) | epochs | with test-time flips: balanced accuracy "
          "| accuracy |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (stage, config, name), folds in sorted(by.items()):
        v = list(folds.values())

        def ms(key, digits=3, v=v):
            a = np.array([r[key] for r in v], dtype=float)
            sd = a.std(ddof=1) if len(a) > 1 else 0.0
            return f"{a.mean():.{digits}f} ± {sd:.{digits}f}"

        cells = [ms("balanced_accuracy"), ms("accuracy"), ms("fit_seconds", 1)]
        cells.append(ms("epochs", 0))
        flips = all("flips_accuracy" in r for r in v)
        cells += [ms("flips_balanced_accuracy"), ms("flips_accuracy")] if flips else []
        print(f"| {stage} | {config} | {name} | {len(v)} | " + " | ".join(cells) + " |")
    print()
    print("Paired differences in balanced accuracy (same folds): mean, SD over "
          "folds, paired t-test p")  # fmt: skip
    print()
    print("| stage | config | difference | folds | mean | SD | p |")
    print("|---|---|---|---|---|---|---|")
    from scipy.stats import ttest_rel

    configs_seen = sorted({(s, c) for s, c, _ in by})
    for stage, config in configs_seen:
        for a, b in (("random_over", "none"), ("smote", "random_over")):
            fa, fb = by.get((stage, config, a), {}), by.get((stage, config, b), {})
            common = sorted(set(fa) & set(fb))
            if len(common) < 2:
                continue
            xa = np.array([fa[f]["balanced_accuracy"] for f in common])
            xb = np.array([fb[f]["balanced_accuracy"] for f in common])
            d = xa - xb
            p = ttest_rel(xa, xb).pvalue
            print(f"| {stage} | {config} | {a} − {b} | {len(common)} | {d.mean():+.3f} "
                  f"| {d.std(ddof=1):.3f} | {p:.3f} |")  # fmt: skip
    print_against(by)
    print_averages(by)


#: The setting the others are compared with: the default network and training.
REFERENCE = "resnet"
SCORES = (
    ("balanced_accuracy", "as is"),
    ("flips_balanced_accuracy", "test-time flips"),
)


def print_against(by, reference=REFERENCE):
    """Each setting against ``reference``, and test-time flips against none.

    Paired over the folds both records have, per (stage, resampler): the
    mean difference in balanced accuracy, its SD over the folds, the folds
    where the first is higher and the paired t-test's p.
    """
    from scipy.stats import ttest_rel

    def row(stage, name, what, a, b, key_a, key_b):
        common = sorted(f for f in set(a) & set(b) if key_a in a[f] and key_b in b[f])
        if len(common) < 2:
            return None
        xa = np.array([a[f][key_a] for f in common])
        xb = np.array([b[f][key_b] for f in common])
        d = xa - xb
        return (f"| {stage} | {name} | {what} | {len(common)} | {d.mean():+.3f} "
                f"| {d.std(ddof=1):.3f} | {(d > 0).sum()} | "
                f"{ttest_rel(xa, xb).pvalue:.3f} |")  # fmt: skip

    lines = []
    for (stage, config, name), folds in sorted(by.items()):
        ref = by.get((stage, reference, name))
        if config != reference and ref is not None:
            for key, label in SCORES:
                what = f"{config} − {reference}, {label}"
                lines.append(row(stage, name, what, folds, ref, key, key))
        what = f"{config}: test-time flips − as is"
        as_is, flips = (key for key, _ in SCORES)
        lines.append(row(stage, name, what, folds, folds, flips, as_is))
    lines = [line for line in lines if line]
    if lines:
        print()
        print(f"Against {reference} (balanced accuracy, paired over the same folds):")
        print()
        print("| stage | resampler | difference | folds | mean | SD | folds higher "
              "| paired t-test p |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(lines))


def print_averages(by):
    """Balanced accuracy of the probabilities averaged over every setting.

    Per (stage, resampler), over the folds where every setting seen there has
    a record with probabilities: what averaging that many networks (trained
    with different settings) gives, beside the single settings' mean and the
    best single setting's mean over the same folds.
    """
    from sklearn.metrics import balanced_accuracy_score

    groups = {}
    for (stage, config, name), folds in by.items():
        groups.setdefault((stage, name), {})[config] = folds
    lines = []
    for (stage, name), settings in sorted(groups.items()):
        with_proba = [
            {f for f, r in folds.items() if "proba" in r} for folds in settings.values()
        ]
        common = sorted(set.intersection(*with_proba))
        if len(settings) < 2 or not common:
            continue
        averaged = []
        for fold in common:
            rows = [folds[fold] for folds in settings.values()]
            proba = np.mean([r["proba"] for r in rows], axis=0)
            pred = np.asarray(rows[0]["classes"])[np.argmax(proba, axis=1)]
            averaged.append(balanced_accuracy_score(rows[0]["target"], pred))
        single = np.array(
            [
                [folds[f]["balanced_accuracy"] for f in common]
                for folds in settings.values()
            ]
        )
        lines.append(
            f"| {stage} | {name} | {len(settings)} | {len(common)} "
            f"| {np.mean(averaged):.3f} | {single.mean():.3f} "
            f"| {single.mean(axis=1).max():.3f} |"
        )
    if lines:
        print()
        print("Probabilities averaged over the settings (same folds):")
        print()
        print("| stage | resampler | settings | folds | balanced accuracy, averaged "
              "| single settings' mean | best single setting |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        print("\n".join(lines))


def choose(args):
    """Print the config of the highest mean inner balanced accuracy."""
    rows = [json.loads(line) for path in args.files for line in open(path)]
    rows = [r for r in rows if r["stage"] == "inner" and r["config"] != "baseline"]
    cells = {}
    for r in rows:
        cells.setdefault(r["config"], {})[(r["fold"], r["resampler"])] = r
    # Compared on the (fold, resampler) pairs that every setting has, so that
    # a setting cut short by a time limit is compared on equal terms.
    common = set.intersection(*(set(c) for c in cells.values()))
    best = max(
        cells,
        key=lambda c: np.mean([cells[c][k]["balanced_accuracy"] for k in common]),
    )
    print(best)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for stage in ("inner", "outer"):
        p = sub.add_parser(stage)
        p.add_argument("--data", required=True)
        p.add_argument("--folds", type=int, nargs="+", required=True)
        p.add_argument("--configs", nargs="+", required=True)
        p.add_argument(
            "--resamplers",
            nargs="+",
            default=["none", "random_over"],
            choices=RESAMPLERS,
        )
        p.add_argument("--out", required=True)
        p.add_argument(
            "--epochs", type=int, help="train every setting this many epochs (smoke)"
        )
        p.set_defaults(stage=stage, func=run)
    p = sub.add_parser("summary")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=summary)
    p = sub.add_parser("choose")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=choose)
    args = parser.parse_args(argv)
    if getattr(args, "configs", None):  # inner, outer: before any fold trains
        known = configs()
        unknown = sorted(set(args.configs) - set(known))
        if unknown:
            parser.error(f"unknown --configs {unknown}; known: {sorted(known)}")
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
