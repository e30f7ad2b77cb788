"""The final comparison: resamplers in front of one CNN, with and without augmentation.

The protocol of :func:`gansampler.evaluation.compare_resamplers` (repeated
stratified k-fold, seed 0; resampling only inside the training folds; the test
fold scored as it is), with each resampler fitted once per fold and both
classifier settings trained on its output, as ``compare_resamplers`` with
``memory=`` does when run twice. uint8 images are scaled to ``[0, 1]`` once,
up front, as ``compare_resamplers`` scales them. Each (fold, resampler,
classifier setting) appends one JSON line to ``<out>/folds.jsonl``; the
process that runs fold 0 also writes, per GAN recipe, a grid of generated
images beside real ones.

    KERAS_BACKEND=jax python benchmarks/final_comparison.py run \\
        --dataset elpv64.npz --folds 0 1 2 3 4 --out final/
    python benchmarks/final_comparison.py summary final/folds.jsonl

``final_comparison_gpu.sh`` runs the 15 folds in 15 processes, spread over
the machine's GPUs.

The equivalent commands, one classifier setting each:

    gansampler compare --dataset elpv64.npz --folds 5 --repeats 3 \\
        --resamplers none,random_over,smote,random_under,dcgan,dcgan_article \\
        --cache cache/ [--classifier-augmentation ...]
"""

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from _common import load_dataset, resampler, score_fold  # noqa: E402

# The classifier's augmentation in the second setting (--augmentation): both
# flips, which keep a solar cell's busbars horizontal. Of the policies
# measured inside training folds (docs/classifier_study.md, ELPV 32x32 on
# the CPU) it lost least; shifts lost 0.11 balanced accuracy, shifts with
# zoom and brightness/contrast jitter 0.12, and quarter turns lowered the
# earlier final comparison's from 0.458 to 0.360 (docs/results.md).
AUGMENTATION = "flip"
RESAMPLERS = ("none", "random_over", "smote", "random_under", "dcgan", "dcgan_article")


def splits(y, n_splits=5, n_repeats=3, seed=0):
    from sklearn.model_selection import RepeatedStratifiedKFold

    cv = RepeatedStratifiedKFold(
        n_splits=n_splits, n_repeats=n_repeats, random_state=seed
    )
    return list(cv.split(np.zeros(len(y)), y))


def grid(sampler, X_train, y_train, path):
    """Per class: 7x7 real images of the training fold, then 7x7 generated ones."""
    from PIL import Image

    from gansampler.plotting import image_grid

    rows = []
    for label in sampler.generators_:
        real = X_train[y_train == label][:49]
        fake = sampler.generate(label, len(real), random_state=0)
        rows.append(np.concatenate([image_grid(real), image_grid(fake)], 1))
    picture = np.concatenate(rows, 0)
    Image.fromarray(picture[..., 0]).resize(
        (picture.shape[1] * 2, picture.shape[0] * 2), Image.NEAREST
    ).save(path)


def run(args):
    from gansampler.classifiers import KerasImageClassifier

    warnings.simplefilter("ignore")
    os.makedirs(args.out, exist_ok=True)
    X, y = load_dataset(args.dataset, unit_range=True)
    classes, counts = np.unique(y, return_counts=True)
    minority = classes[np.argmin(counts)]
    all_splits = splits(y)
    log = open(os.path.join(args.out, "folds.jsonl"), "a")
    for fold in args.folds:
        train, test = all_splits[fold]
        X_train, y_train = X[train], y[train]
        min_count = int(np.bincount(y_train).min())
        for name in args.resamplers:
            gan_params = {"precision": args.precision, "updates": args.gan_updates}
            sampler = resampler(name, min_count, **gan_params)
            start = time.perf_counter()
            if sampler is None:
                X_res, y_res = X_train, y_train
            elif name.startswith("dcgan"):
                X_res, y_res = sampler.fit_resample(X_train, y_train)
            else:
                flat, y_res = sampler.fit_resample(
                    X_train.reshape(len(X_train), -1), y_train
                )
                X_res = flat.reshape((-1, *X.shape[1:]))
            resample_s = time.perf_counter() - start
            if name.startswith("dcgan") and fold == 0:
                grid(
                    sampler,
                    X_train,
                    y_train,
                    os.path.join(args.out, f"grids_{name}_fold{fold}.png"),
                )
            for augmentation in (None, args.augmentation):
                start = time.perf_counter()
                classifier = KerasImageClassifier(
                    epochs=args.classifier_epochs,
                    batch_size=32,
                    augmentation=augmentation,
                    random_state=0,
                ).fit(X_res, y_res)
                fit_s = time.perf_counter() - start
                scores = score_fold(classifier, X[test], y[test], classes, minority)
                record = {
                    "fold": int(fold),
                    "repeat": int(fold // 5),
                    "resampler": name,
                    "augmentation": augmentation or "",
                    "n_train": len(train),
                    "n_train_resampled": len(y_res),
                    "n_test": len(test),
                    "resample_s": resample_s,
                    "classifier_s": fit_s,
                    "fit_time": resample_s + fit_s,
                    **{k: float(v) for k, v in scores.items()},
                }
                if name.startswith("dcgan"):
                    record["settings"] = {
                        k: (list(v) if isinstance(v, tuple) else v)
                        for k, v in sampler.settings_.items()
                    }
                log.write(json.dumps(record) + "\n")
                log.flush()
                print(
                    f"FOLD {fold} {name} aug={bool(augmentation)} "
                    f"resample {resample_s:.1f} s classifier {fit_s:.1f} s "
                    f"bal {record['balanced_accuracy']:.3f} "
                    f"f1 {record['macro_f1']:.3f}",
                    flush=True,
                )


def summary(args):
    import pandas as pd

    from gansampler.evaluation import SCORES, corrected_resampled_ttest

    folds = pd.DataFrame(
        [json.loads(line) for path in args.files for line in open(path)]
    )
    out = []
    for augmentation in sorted(set(folds["augmentation"])):
        part = folds[folds["augmentation"] == augmentation]
        names = [n for n in RESAMPLERS if n in set(part["resampler"])]
        n_folds = part["fold"].nunique()
        label = (
            f"classifier augmentation {augmentation}"
            if augmentation
            else ("no classifier augmentation")
        )
        out.append(f"\n### {label}: {n_folds} test folds\n")
        out.append(
            "| resampler | folds | balanced accuracy | G-mean | macro-F1 "
            "| minority recall | macro ROC-AUC | fit time (s) |"
        )
        out.append("|---|---|---|---|---|---|---|---|")
        for name in names:
            rows = part[part["resampler"] == name]
            cells = [name, str(rows["fold"].nunique())]
            for metric in (*SCORES, "fit_time"):
                values = rows[metric].to_numpy(float)
                digits = 1 if metric == "fit_time" else 3
                cells.append(
                    f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"
                )
            out.append("| " + " | ".join(cells) + " |")
        n_train = int(part["n_train"].mean())
        n_test = int(part["n_test"].mean())
        for reference in ("dcgan", "dcgan_article"):
            if reference not in names:
                continue
            out.append(
                f"\n{reference} minus each other resampler, mean over the folds "
                "(p: Nadeau-Bengio corrected resampled t-test; wins/folds):\n"
            )
            out.append("| vs | " + " | ".join(SCORES) + " |")
            out.append("|---|" + "---|" * len(SCORES))
            ref = part[part["resampler"] == reference].set_index("fold")
            for other in names:
                if other == reference:
                    continue
                oth = part[part["resampler"] == other].set_index("fold")
                cells = [other]
                for metric in SCORES:
                    d = (ref[metric] - oth[metric]).dropna().to_numpy()
                    _, p = corrected_resampled_ttest(d, n_train, n_test)
                    cells.append(
                        f"{d.mean():+.3f} (p={p:.3f}, {int((d > 0).sum())}/{len(d)})"
                        if np.isfinite(p)
                        else f"{d.mean():+.3f}"
                    )
                out.append("| " + " | ".join(cells) + " |")
        out.extend(targets(part))
    text = "\n".join(out)
    print(text)
    return text


def targets(part):
    """Lines on issue 23's targets for one classifier setting, besides the
    paired differences of dcgan that the tables above give: the spread over
    folds of the paired differences that set the comparison's power, and the
    lowest balanced accuracy of any fold (against chance)."""
    bal = part.pivot_table(
        index="fold", columns="resampler", values="balanced_accuracy"
    )
    lines = ["\nTargets:\n"]
    for a, b in (("random_over", "none"), ("smote", "random_over")):
        if {a, b} <= set(bal.columns):
            spread = (bal[a] - bal[b]).std(ddof=1)
            lines.append(f"- sd over folds of {a} minus {b}: {spread:.3f}")
    by_fold = bal.stack()
    fold, name = by_fold.idxmin()
    lines.append(
        f"- lowest balanced accuracy of any fold: {by_fold.min():.3f} "
        f"({name}, fold {fold})"
    )
    return lines


def int_or_auto(text):
    return text if text == "auto" else int(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("run")
    p.add_argument("--dataset", required=True)
    p.add_argument("--folds", type=int, nargs="+", default=list(range(15)))
    p.add_argument(
        "--resamplers", nargs="+", default=list(RESAMPLERS), choices=RESAMPLERS
    )
    p.add_argument(
        "--classifier-epochs",
        type=int_or_auto,
        default="auto",
        help="epochs of the classifier ('auto': its default, about 1,000 updates)",
    )
    p.add_argument(
        "--augmentation",
        default=AUGMENTATION,
        help="the classifier's augmentation in its second setting "
        f"(default: {AUGMENTATION})",
    )
    p.add_argument("--precision", default="float32")
    p.add_argument(
        "--gan-updates",
        type=int_or_auto,
        default="auto",
        help="generator updates per class of the DC-GANs ('auto': the device's budget)",
    )
    p.add_argument("--out", default="final")
    s = sub.add_parser("summary")
    s.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    if args.mode == "run":
        run(args)
    else:
        summary(args)


if __name__ == "__main__":
    main()
