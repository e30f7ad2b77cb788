"""The GAN study: which techniques make generated images a classifier can use.

Everything here happens inside training folds; test folds are never touched.
The outer splits are those of the final comparison (repeated stratified
5-fold, seed 0); for each outer fold studied, its training part is split once
more, stratified, into an inner training part (80 %) and an inner validation
part (20 %, seed = the fold's index). Then, per configuration of
:class:`~gansampler.DCGANOverSampler`:

* the sampler is fitted on the inner training part;
* quality, per class that grows: its generated images against the real
  images of the class in the inner validation part (held back from the GAN),
  in the features of a CNN trained on the inner training part's real images:
  KID, FID, density / coverage, precision / recall, the memorisation ratio
  against the class's training images, and the share of generated images
  that CNN recognises as their class;
* downstream: the same classifier as in the comparison, trained on the
  resampled inner training part, scored on the inner validation part
  (balanced accuracy, macro-F1, G-mean, minority recall); random
  over-sampling, SMOTE and no resampling on the same split.

Tasks run in worker processes (``--workers``); each appends one JSON line to
``<out>/tasks.jsonl`` as it finishes, so a run cut short keeps what it did.
``summary`` turns the lines into the tables of docs/gan_study.md.

    KERAS_BACKEND=jax python benchmarks/gan_study.py run --dataset elpv64.npz \\
        --name elpv64 --folds 0 1 2 --workers 10 --out study/
    python benchmarks/gan_study.py summary study/tasks.jsonl
"""

import argparse
import json
import math
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from _common import (  # noqa: E402
    load_dataset,
    pin_to_gpu,
    resampler,
    score_fold,
    visible_gpus,
)

from gansampler.recipes import ARTICLE, SHORT_TRAINING  # noqa: E402

# The ablation: each technique alone on the article's recipe, then the
# combination with one technique left out or added. Every data-efficient
# technique at once: the study's starting point (written out; the sampler's
# defaults are now what the study chose). The recorded runs of "all" also
# reused one batch of fakes per step (reuse_fakes, a speed trick the sampler
# no longer offers); the hinge loss has no target to smooth, so its configs
# pass label_smoothing=0, which the hinge loss always ignored.
ALL = dict(
    d_learning_rate=2e-4,
    g_learning_rate=2e-4,
    label_smoothing=0.0,
    discriminator_norm="none",
    upsampling="resize",
    loss="hinge",
    augmentation="translation,cutout",
    generator_ema=0.99,
    updates=2000,
)
# The first study ran at the budget of its day, 1,000 updates, where 'auto'
# gives no DiffAugment and no generator average; pinned so that its
# configurations keep their meaning on a GPU, whose 'auto' budget is now long.
# Every new sample generated, as the sampler did then: a configuration
# mixes in copies only where it says so (the "mix" ones).
ALL_GENERATED = {"generated_fraction": 1.0}
FIRST_STUDY = {"updates": 1000, **SHORT_TRAINING, **ALL_GENERATED}
CONFIGS = {
    "article": dict(ARTICLE),
    "article+resize": {**ARTICLE, "upsampling": "resize"},
    "article+no_dnorm": {**ARTICLE, "discriminator_norm": "none"},
    "article+spectral": {**ARTICLE, "discriminator_norm": "spectral"},
    "article+hinge": {**ARTICLE, "loss": "hinge", "label_smoothing": 0.0},
    "article+diffaug": {**ARTICLE, "augmentation": "translation,cutout"},
    "article+ema": {**ARTICLE, "generator_ema": 0.99},
    "article+pretrain": {**ARTICLE, "pretrain": True},
    "article+2000": {**ARTICLE, "updates": 2000},
    "article+mix50": {**ARTICLE, "generated_fraction": 0.5},
    # The two single changes that helped image quality most on ELPV, together.
    "article+resize+ema": {**ARTICLE, "upsampling": "resize", "generator_ema": 0.99},
    "article+resize+ema+mix50": {
        **ARTICLE,
        "upsampling": "resize",
        "generator_ema": 0.99,
        "generated_fraction": 0.5,
    },
    "all": ALL,
    "all-diffaug": {**ALL, "augmentation": ""},
    "all-ema": {**ALL, "generator_ema": 0},
    "all-resize": {**ALL, "upsampling": "transposed"},
    "all+spectral": {**ALL, "discriminator_norm": "spectral"},
    "all+pretrain": {**ALL, "pretrain": True},
    "all+pretrain+freeze2": {**ALL, "pretrain": True, "freeze_discriminator": 2},
    "all+flip_rot90": {**ALL, "augmentation": "translation,cutout,flip,rot90"},
    "all+mix50": {**ALL, "generated_fraction": 0.5},
    "all+4000": {**ALL, "updates": 4000},
    # The defaults: what the study chose (the article's with resize upsampling).
    "default": {},
}
CONFIGS = {name: {**FIRST_STUDY, **config} for name, config in CONFIGS.items()}
# The GPU-scale study (issue 20): the budget, then at 10,000 updates the
# data-efficient techniques (DiffAugment and a generator average, "de"),
# transfer from the fold, anchored generation, teacher selection, the mix
# with random over-sampling, and their combination.
# Without "de", a configuration has neither technique at any budget (the
# sampler's 'auto' gives both to long trainings).
DE = {"augmentation": "translation,cutout", "generator_ema": 0.999}
SCALE = {
    "u1k": {"updates": 1000},
    "u10k": {"updates": 10000},
    "u30k": {"updates": 30000},
    "u10k+de": {"updates": 10000, **DE},
    "u10k+de+pretrain": {"updates": 10000, **DE, "pretrain": True},
    "u10k+de+pretrain+freeze2": {
        "updates": 10000,
        **DE,
        "pretrain": True,
        "freeze_discriminator": 2,
    },
    "u10k+smote": {"updates": 10000, "latent_sampling": "smote"},
    "u10k+teacher": {"updates": 10000, "select": "teacher"},
    "u10k+mix50": {"updates": 10000, "generated_fraction": 0.5},
    "u10k+de+mix50": {"updates": 10000, **DE, "generated_fraction": 0.5},
    # The GPU's default at three times its budget.
    "u30k+de+mix50": {"updates": 30000, **DE, "generated_fraction": 0.5},
    "u10k+de+pretrain+smote+teacher": {
        "updates": 10000,
        **DE,
        "pretrain": True,
        "latent_sampling": "smote",
        "select": "teacher",
    },
    # The same techniques at the CPU's budget (the digits main job).
    "u1k+smote": {"updates": 1000, "latent_sampling": "smote"},
    "u1k+teacher": {"updates": 1000, "select": "teacher"},
    "u1k+smote+teacher": {
        "updates": 1000,
        "latent_sampling": "smote",
        "select": "teacher",
    },
}
CONFIGS.update(
    {
        name: {**SHORT_TRAINING, **ALL_GENERATED, **config}
        for name, config in SCALE.items()
    }
)
BASELINES = ("none", "random_over", "smote")
# Digits have an orientation: no flips or rotations there.
NOT_FOR_DIGITS = ("all+flip_rot90",)


def inner_split(y, fold, n_splits=5, n_repeats=3, seed=0):
    """(inner training, inner validation) indices into X of outer fold ``fold``."""
    from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split

    outer = RepeatedStratifiedKFold(
        n_splits=n_splits, n_repeats=n_repeats, random_state=seed
    )
    train, _ = list(outer.split(np.zeros(len(y)), y))[fold]
    inner_train, inner_val = train_test_split(
        train, test_size=0.2, stratify=y[train], random_state=fold
    )
    return np.sort(inner_train), np.sort(inner_val)


def _extractor_path(out, name, fold):
    return os.path.join(out, f"extractor_{name}_{fold}.pkl")


def fit_extractor(task):
    """The fold's feature CNN, trained on the inner training part's real images."""
    import joblib

    from gansampler.metrics import FeatureExtractor

    X, y = load_dataset(task["dataset"])
    inner_train, _ = inner_split(y, task["fold"])
    epochs = task.get("extractor_epochs", 10)
    extractor = FeatureExtractor(epochs=epochs, random_state=0).fit(
        X[inner_train], y[inner_train]
    )
    path = _extractor_path(task["out"], task["name"], task["fold"])
    joblib.dump(extractor, path + ".tmp")
    os.replace(path + ".tmp", path)
    return path


# The scores of a configuration's classifier on the inner validation part
# (those of the comparison but the ROC-AUC).
SCORES = ("balanced_accuracy", "macro_f1", "geometric_mean", "minority_recall")


def run_task(task):
    """One configuration (or baseline) on one fold's inner split; a result dict."""
    import joblib

    from gansampler import DCGANOverSampler
    from gansampler.classifiers import KerasImageClassifier
    from gansampler.metrics import kernel_distance, score_samples

    warnings.simplefilter("ignore")
    X, y = load_dataset(task["dataset"])
    inner_train, inner_val = inner_split(y, task["fold"])
    X_train, y_train = X[inner_train], y[inner_train]
    X_val, y_val = X[inner_val], y[inner_val]
    classes, counts = np.unique(y_train, return_counts=True)
    minority = classes[np.argmin(counts)]
    record = {k: task[k] for k in ("name", "fold", "config")}
    start = time.perf_counter()
    if task["config"] in BASELINES:
        sampler = resampler(task["config"], int(counts.min()))
        X_res, y_res = (
            (X_train, y_train)
            if sampler is None
            else sampler.fit_resample(X_train.reshape(len(X_train), -1), y_train)
        )
        X_res = X_res.reshape((-1, *X.shape[1:]))
    else:
        params = {**CONFIGS[task["config"]], **task["gan_params"]}
        sampler = DCGANOverSampler(random_state=task["fold"], **params)
        X_res, y_res = sampler.fit_resample(X_train, y_train)
        record["settings"] = {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in sampler.settings_.items()
        }
        for name in ("anchoring_", "selection_"):
            found = getattr(sampler, name)
            if found is not None:
                record[name.rstrip("_")] = {
                    str(label): {k: float(v) for k, v in values.items()}
                    for label, values in found.items()
                }
        extractor = joblib.load(
            _extractor_path(task["out"], task["name"], task["fold"])
        )
        new_X, new_y = X_res[len(X_train) :], y_res[len(X_train) :]
        quality = {}
        for label in sampler.generators_:
            fake = new_X[new_y == label][: task["max_fake"]]
            real = X_val[y_val == label]
            subset_size = min(len(real), len(fake), 1000)
            # The extractor's features, made once for both KIDs.
            real_f, fake_f, train_f = map(
                extractor.transform, (real, fake, X_train[y_train == label])
            )
            try:
                scores = score_samples(
                    real_f,
                    fake_f,
                    train=train_f,
                    n_subsets=50,
                    subset_size=subset_size,
                    random_state=0,
                )
            except ValueError:  # too few held-back images for the neighbours
                scores = {}
            # KID's cubic kernel on the raw features is ruled by the few
            # images whose features are huge (ELPV's class 3,
            # docs/gan_study.md); on their signed log it is not.
            if subset_size >= 2:
                scores["kid_log1p"] = kernel_distance(
                    symlog(real_f),
                    symlog(fake_f),
                    n_subsets=50,
                    subset_size=subset_size,
                    random_state=0,
                )
            scores["recognised"] = float(np.mean(extractor.predict(fake) == label))
            scores["n_fake"], scores["n_real"] = len(fake), len(real)
            quality[str(label)] = {k: float(v) for k, v in scores.items()}
        record["quality"] = quality
    record["resample_s"] = time.perf_counter() - start
    start = time.perf_counter()
    classifier = KerasImageClassifier(
        epochs=task["classifier_epochs"], random_state=task["fold"]
    )
    classifier.fit(X_res, y_res)
    record["classifier_s"] = time.perf_counter() - start
    scores = score_fold(classifier, X_val, y_val, classes, minority)
    record.update({name: scores[name] for name in SCORES})
    record["n_train"], record["n_val"] = len(y_train), len(y_val)
    return record


def symlog(values):
    """``sign(x) * log(1 + |x|)``: ``log1p`` for non-negative features."""
    return np.sign(values) * np.log1p(np.abs(values))


def _init_worker(counter, gpus):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with counter.get_lock():
        worker = counter.value
        counter.value += 1
    pin_to_gpu(worker, gpus)


def run(args):
    import multiprocessing

    os.makedirs(args.out, exist_ok=True)
    configs = args.configs or [
        c for c in CONFIGS if args.dataset != "digits" or c not in NOT_FOR_DIGITS
    ]
    base = {
        "dataset": args.dataset,
        "name": args.name,
        "out": args.out,
        "classifier_epochs": args.classifier_epochs,
        "gan_params": json.loads(args.gan_params),
        "max_fake": args.max_fake,
    }
    log = open(os.path.join(args.out, "tasks.jsonl"), "a")
    context = multiprocessing.get_context("spawn")
    # With several GPUs the workers share them round-robin.
    started = context.Value("i", 0)
    pool = ProcessPoolExecutor(
        args.workers,
        context,
        initializer=_init_worker,
        initargs=(started, visible_gpus()),
    )
    with pool:
        extractors = [
            pool.submit(fit_extractor, {**base, "fold": fold}) for fold in args.folds
        ]
        baselines = [
            pool.submit(run_task, {**base, "fold": fold, "config": config})
            for fold in args.folds
            for config in (() if args.skip_baselines else BASELINES)
        ]
        for future in as_completed(extractors):
            print("extractor", future.result(), flush=True)
        # One configuration after another over the folds, so that a worker
        # often finds the compiled trainer of its last task; the two recipes
        # first, so that a run cut short has them.
        first = [c for c in ("article", "all") if c in configs]
        ordered = first + [c for c in configs if c not in first]
        gans = [
            pool.submit(run_task, {**base, "fold": fold, "config": config})
            for config in ordered
            for fold in args.folds
        ]
        for future in as_completed(baselines + gans):
            try:
                record = future.result()
            except Exception as error:  # keep the others going
                record = {
                    "name": args.name,
                    "error": f"{type(error).__name__}: {error}",
                }
            log.write(json.dumps(record) + "\n")
            log.flush()
            print(
                "TASK",
                record.get("config"),
                record.get("fold"),
                round(record.get("balanced_accuracy", math.nan), 3),
                record.get("error", ""),
                flush=True,
            )


def summary(args):
    """Tables of the study: downstream scores and quality, mean over the folds."""
    import pandas as pd

    from gansampler.evaluation import corrected_resampled_ttest

    rows, seen = [], set()
    for line in (line for path in args.files for line in open(path)):
        row = json.loads(line)
        key = (row.get("name"), row.get("config"), row.get("fold"))
        if "error" in row or key in seen:  # a task run twice counts once
            continue
        seen.add(key)
        rows.append(row)
    out = []
    for name in sorted({r["name"] for r in rows}):
        part = pd.DataFrame([r for r in rows if r["name"] == name])
        folds = [int(f) for f in sorted(part["fold"].unique())]
        pivot = part.pivot_table(
            index="config", columns="fold", values="balanced_accuracy"
        )
        order = [c for c in (*BASELINES, *CONFIGS) if c in pivot.index]
        out.append(f"\n### {name}: inner validation, {len(folds)} folds ({folds})\n")
        out.append(
            "| configuration | balanced accuracy | macro-F1 | minority recall | "
            "vs random_over (wins) | vs article (wins) | KID (mean of classes) | "
            "FID | precision | recall | recognised | memorisation ratio | GAN s |"
        )
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        means = part.groupby("config")[
            ["balanced_accuracy", "macro_f1", "minority_recall", "resample_s"]
        ].mean()
        for config in order:
            row = means.loc[config]
            cells = [config]
            for metric in ("balanced_accuracy", "macro_f1", "minority_recall"):
                cells.append(f"{row[metric]:.3f}")
            for other in ("random_over", "article"):
                if other in pivot.index and config != other:
                    d = (pivot.loc[config] - pivot.loc[other]).dropna()
                    cell = f"{d.mean():+.3f} ({int((d > 0).sum())}/{len(d)}"
                    if len(d) > 1 and d.std() > 0:
                        # Nadeau and Bengio's corrected t-test of the paired
                        # inner-fold differences.
                        _, p = corrected_resampled_ttest(
                            d.to_numpy(), part["n_train"].iloc[0], part["n_val"].iloc[0]
                        )
                        cell += f", p={p:.2f}"
                    cells.append(cell + ")")
                else:
                    cells.append("")
            q = [
                r["quality"]
                for r in rows
                if r["name"] == name and r["config"] == config and "quality" in r
            ]
            if q:

                def mean_of(key, q=q):
                    values = [c[key] for fold in q for c in fold.values() if key in c]
                    return float(np.mean(values)) if values else math.nan

                cells += [
                    f"{mean_of('kid'):.4f}",
                    f"{mean_of('fid'):.2f}",
                    f"{mean_of('precision'):.2f}",
                    f"{mean_of('recall'):.2f}",
                    f"{mean_of('recognised'):.2f}",
                    f"{mean_of('memorisation_ratio'):.2f}",
                    f"{row['resample_s']:.0f}",
                ]
            else:
                cells += [""] * 7
            out.append("| " + " | ".join(cells) + " |")
        per_class = [r for r in rows if r["name"] == name and "quality" in r]
        labels = sorted({k for r in per_class for k in r["quality"]})
        for key, what in (("kid", "KID"), ("kid_log1p", "KID on log1p features")):
            if not any(key in c for r in per_class for c in r["quality"].values()):
                continue
            out.append(f"\n{what} per class ({name}), mean over folds:\n")
            out.append(
                "| configuration | " + " | ".join(f"class {k}" for k in labels) + " |"
            )
            out.append("|---|" + "---|" * len(labels))
            for config in order:
                q = [r["quality"] for r in per_class if r["config"] == config]
                if not q:
                    continue
                cells = [config]
                for k in labels:
                    values = [f[k][key] for f in q if key in f.get(k, {})]
                    cells.append(f"{np.mean(values):.4f}" if values else "")
                out.append("| " + " | ".join(cells) + " |")
    text = "\n".join(out)
    print(text)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("run")
    p.add_argument("--dataset", required=True, help="'digits' or an .npz")
    p.add_argument("--name", required=True)
    p.add_argument("--folds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument(
        "--configs",
        nargs="*",
        default=None,
        choices=[*BASELINES, *CONFIGS],
        metavar="CONFIG",
        help="configurations (default: all): " + ", ".join([*BASELINES, *CONFIGS]),
    )
    p.add_argument(
        "--classifier-epochs",
        type=lambda v: v if v == "auto" else int(v),
        default="auto",
        help="the classifier's epochs: 'auto' (its default) or an int",
    )
    p.add_argument("--gan-params", default="{}", help="JSON, e.g. precision")
    p.add_argument("--max-fake", type=int, default=500)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--skip-baselines", action="store_true", help="done earlier")
    p.add_argument("--out", default="study")
    s = sub.add_parser("summary")
    s.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    (run if args.mode == "run" else summary)(args)


if __name__ == "__main__":
    main()
