"""Do the checkpoint scores track what a person sees? Digits, epoch by epoch.

On the imbalanced digits of :func:`gansampler.datasets.load_imbalanced_digits`
(class 9 keeps 18 images, class 5 51, class 2 106), one
``DCGANOverSampler(snapshot_dir=...)`` grows the chosen classes with its
defaults (``validation_fraction=0.2``: the checkpoint is chosen;
``updates='auto'``: about 1,000 generator updates per class;
``snapshot_every=None``: ten checkpoints per class). Then, for each class and
each checkpoint, the saved generator (``epoch_NNNN.keras``) draws the same 500
noise vectors, and its images are scored:

* ``auto``: the score the automatic choice used, from ``quality_[c]["scores"]``
  (kernel distance in pixel space against the images of the class held back
  from training, 20 %: 4 images of class 9);
* ``pixel_kid``: the same kernel distance in the same pixel space, but against
  the real images of the class that the imbalanced set left out (162, 131 and
  71 images): the choice's measure with a large, independent reference;
* ``fid``, ``kid``, ``density``, ``coverage``, ``memo``:
  :func:`gansampler.metrics.score_samples` in the features of a
  :class:`~gansampler.metrics.FeatureExtractor` (CNN) trained on all 1,797
  real digits, against those left-out images (``memo``: memorisation ratio
  against the class's kept images, below 1 = closer to them than new real
  digits are);
* ``svm``: share of the generated images that an RBF-SVM trained on all real
  digits labels as the class (the judge of docs/quality.md): the stand-in for
  "what a person sees".

A second sampler with ``validation_fraction=None`` (same seed, same snapshots)
is timed in the same run for the cost of the choice; the number of scorings
is counted from ``quality_``.

Writes ``docs/figures/quality_epochs.png`` (4x4 grids per checkpoint with their
scores, the chosen epoch framed), ``docs/figures/quality_epochs_curves.png``
(scores against epochs) and, under ``--out``, ``quality_epochs.csv``,
``summary.json`` and the snapshots.

    KERAS_BACKEND=tensorflow python benchmarks/quality_epochs.py --out /tmp/qe
"""

import argparse
import csv
import json
import platform
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
from scipy.stats import spearmanr
from sklearn.datasets import load_digits
from sklearn.svm import SVC

from gansampler import DCGANOverSampler
from gansampler.datasets import load_imbalanced_digits
from gansampler.labels import class_folder_name
from gansampler.metrics import FeatureExtractor, kernel_distance, score_samples
from gansampler.plotting import image_grid, save_figure

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"
COLUMNS = ["auto", "pixel_kid", "fid", "kid", "density", "coverage", "memo", "svm"]
CHOSEN_COLOUR = "tab:red"
BEST_SVM_COLOUR = "tab:blue"


def fit(X, y, classes, seed, choose, snapshot_dir, updates="auto"):
    counts = {c: int(np.sum(y == c)) for c in classes}
    sampler = DCGANOverSampler(
        sampling_strategy={c: n + 100 for c, n in counts.items()},
        random_state=seed,
        validation_fraction=0.2 if choose else None,
        snapshot_dir=snapshot_dir,
        updates=updates,
    )
    start, cpu_start = time.perf_counter(), time.process_time()
    sampler.fit_resample(X, y)
    # Wall time, and the CPU time of all the process's threads: the machine is
    # shared, so wall time also counts other people's work.
    seconds = (time.perf_counter() - start, time.process_time() - cpu_start)
    return sampler, seconds


def generate(generator, noise):
    fake = keras.ops.convert_to_numpy(generator(noise, training=False))
    return np.clip((fake + 1) / 2, 0, 1)  # the digits' [0, 1] range


def scores_of(images, real, train, extractor, judge, label, seed):
    scores = score_samples(
        real, images, extractor=extractor, train=train, random_state=seed
    )
    scores["memo"] = scores["memorisation_ratio"]
    # The monitor's own space (flat pixels in [-1, 1]: it pools only images
    # over 16 pixels a side), but against the large independent reference
    # instead of the held-back images.
    scores["pixel_kid"] = kernel_distance(
        (real * 2 - 1).reshape(len(real), -1),
        (images * 2 - 1).reshape(len(images), -1),
        random_state=seed,
    )
    scores["svm"] = float(
        np.mean(judge.predict(images.reshape(len(images), -1)) == label)
    )
    return scores


def spearman(a, b):
    if np.ptp(a) == 0 or np.ptp(b) == 0:  # e.g. every checkpoint at 100 %
        return None, None
    rho, p = spearmanr(a, b)
    return (None, None) if np.isnan(rho) else (float(rho), float(p))


def plot_grids(results, path):
    from matplotlib.figure import Figure

    n_rows = len(results)
    n_cols = max(len(r["rows"]) for r in results.values())
    figure = Figure(figsize=(1.3 * n_cols + 0.6, 2.25 * n_rows), layout="constrained")
    axes = figure.subplots(n_rows, n_cols, squeeze=False)
    for row, (label, result) in zip(axes, results.items(), strict=True):
        for ax, entry in zip(row, result["rows"], strict=False):
            ax.imshow(
                entry["grid"][..., 0],
                cmap="gray",
                vmin=0,
                vmax=255,
                interpolation="nearest",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            chosen = entry["epoch"] == result["chosen_epoch"]
            best = entry["epoch"] in result["best_svm_epochs"]
            colour = CHOSEN_COLOUR if chosen else BEST_SVM_COLOUR if best else "0.8"
            for spine in ax.spines.values():
                spine.set_color(colour)
                spine.set_linewidth(3.5 if chosen or best else 0.8)
                spine.set_linestyle("-" if chosen or not best else "--")
            title = f"epoch {entry['epoch']}" + (" (chosen)" if chosen else "")
            ax.set_title(title, fontsize=7.5, color=colour if chosen else "black")
            ax.set_xlabel(
                f"auto {entry['auto']:.3f}\nKID cnn {entry['kid']:.3f}"
                f"\nKID pix {entry['pixel_kid']:.3f}"
                f"\ncov {entry['coverage']:.2f}  SVM {entry['svm']:.0%}",
                fontsize=6.5,
                linespacing=1.15,
            )
        for ax in row[len(result["rows"]) :]:
            ax.set_axis_off()
        row[0].set_ylabel(
            f"class {label}\n{result['n_train']} train, {result['n_held']} held",
            fontsize=8,
        )
    figure.suptitle(
        "Generated digits per checkpoint (same 16 noise vectors). auto: the "
        "choice's score (pixel KID vs the held-back images; lower = better). KID "
        "cnn, cov: CNN features, KID pix: pixels, both vs independent real digits. "
        "SVM: recognised as the class. Red frame: chosen; blue dashed: best SVM",
        fontsize=7.5,
        wrap=True,
    )
    save_figure(figure, path, dpi=100)


def plot_curves(results, path):
    from matplotlib.figure import Figure

    n_cols = len(results)
    figure = Figure(figsize=(3.6 * n_cols, 6.4), layout="constrained")
    axes = figure.subplots(3, n_cols, squeeze=False, sharex="col")
    panels = (
        (("auto", "pixel_kid"), "pixel KID: auto (held\nback), pixel_kid (indep.)"),
        (("kid",), "KID, CNN features\n(independent real)"),
        (("svm", "coverage"), "SVM recognition,\ncoverage"),
    )
    for column, (label, result) in zip(axes.T, results.items(), strict=True):
        epochs = [e["epoch"] for e in result["rows"]]
        for ax, (keys, ylabel) in zip(column, panels, strict=True):
            for key in keys:
                ax.plot(epochs, [e[key] for e in result["rows"]], "o-", ms=3, label=key)
            ax.axvline(result["chosen_epoch"], color=CHOSEN_COLOUR, lw=1.5)
            for epoch in result["best_svm_epochs"]:
                ax.axvline(epoch, color=BEST_SVM_COLOUR, lw=1, ls="--")
            values = [e[k] for e in result["rows"] for k in keys]
            if keys != ("svm", "coverage"):  # they fall by orders of magnitude
                if min(values) > 0:
                    ax.set_yscale("log")
                else:  # an unbiased KID can dip below 0
                    ax.set_yscale("symlog", linthresh=1e-3)
            ax.set_ylabel(ylabel, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        column[2].set_ylim(-0.02, 1.02)
        column[0].legend(fontsize=7, loc="upper right")
        column[2].legend(fontsize=7, loc="lower right")
        column[2].set_xlabel("epoch (= generator updates here)", fontsize=8)
        rho = result["spearman_auto_svm"][0]
        column[0].set_title(
            f"class {label}: chosen {result['chosen_epoch']} (red), "
            f"best SVM dashed\nSpearman(auto, SVM) = "
            + ("n/a" if rho is None else f"{rho:+.2f}"),
            fontsize=8,
        )
    save_figure(figure, path, dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, nargs="+", default=[9, 5, 2])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-generated", type=int, default=500)
    parser.add_argument(
        "--updates",
        type=lambda v: v if v == "auto" else int(v),
        default="auto",
        help="the sampler's generator updates per class (default 'auto')",
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--figures", type=Path, default=FIGURES)
    parser.add_argument(
        "--no-timing", action="store_true", help="skip the choose=False fit"
    )
    parser.add_argument("--extractor-epochs", type=int, default=10)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="quality_epochs_"))
    out.mkdir(parents=True, exist_ok=True)
    args.figures.mkdir(parents=True, exist_ok=True)
    run_start = time.perf_counter()

    data = load_imbalanced_digits(random_state=0)
    X_all, y_all = load_digits(return_X_y=True)
    images_all = (X_all / 16).astype(np.float32).reshape(-1, 8, 8, 1)
    left_out = np.setdiff1d(np.arange(len(y_all)), data.indices)

    start = time.perf_counter()
    judge = SVC(gamma="scale").fit(X_all / 16, y_all)
    extractor = FeatureExtractor(
        epochs=args.extractor_epochs, random_state=args.seed
    ).fit(images_all, y_all)
    print(f"judge and feature CNN: {time.perf_counter() - start:.1f} s", flush=True)

    sampler, t_choose = fit(
        data.images,
        data.target,
        args.classes,
        args.seed,
        True,
        out / "snapshots",
        args.updates,
    )
    scorings = sum(len(sampler.quality_[c]["scores"]) for c in args.classes)
    print(
        f"fit with validation_fraction=0.2: {t_choose[0]:.1f} s wall, "
        f"{t_choose[1]:.1f} s CPU ({scorings} scorings)",
        flush=True,
    )
    t_plain = None
    if not args.no_timing:
        plain, t_plain = fit(
            data.images,
            data.target,
            args.classes,
            args.seed,
            False,
            out / "snapshots_no_choice",
            args.updates,
        )
        print(
            f"fit with validation_fraction=None: {t_plain[0]:.1f} s wall, "
            f"{t_plain[1]:.1f} s CPU",
            flush=True,
        )

    noise = (
        np.random.default_rng(args.seed + 1)
        .standard_normal((args.n_generated, sampler.latent_dim))
        .astype(np.float32)
    )
    results, csv_rows = {}, []
    for label in args.classes:
        real = images_all[left_out][y_all[left_out] == label]
        quality = sampler.quality_[label]
        auto = dict(quality["scores"])
        n_class = int(np.sum(data.target == label))
        n_held = round(sampler.validation_fraction * n_class)
        # Memorisation is measured against all kept images of the class (the
        # 20 % held back for the choice were not trained on; counted anyway).
        train = data.images[data.target == label]
        rows = []
        for epoch in sorted(auto):
            path = out / "snapshots" / class_folder_name(label) / f"epoch_{epoch:04d}"
            generator = keras.saving.load_model(
                path.with_suffix(".keras"), safe_mode=True
            )
            fake = generate(generator, noise)
            entry = {"epoch": epoch, "auto": auto[epoch]}
            entry.update(
                scores_of(fake, real, train, extractor, judge, label, args.seed)
            )
            entry["grid"] = image_grid(fake[:16], n_columns=4)
            rows.append(entry)
        svm = np.array([e["svm"] for e in rows])
        result = {
            "n_train": n_class - n_held,
            "n_held": n_held,
            "n_independent_real": len(real),
            "chosen_epoch": quality["chosen_epoch"],
            "best_svm_epochs": [e["epoch"] for e in rows if e["svm"] == svm.max()],
            "rows": rows,
            "spearman_auto_svm": spearman([e["auto"] for e in rows], svm),
            "spearman_auto_kid": spearman(
                [e["auto"] for e in rows], [e["kid"] for e in rows]
            ),
            "spearman_kid_svm": spearman([e["kid"] for e in rows], svm),
            "spearman_pixel_kid_svm": spearman([e["pixel_kid"] for e in rows], svm),
            # The later half, once the digits are recognisable: does the score
            # still rank checkpoints that look alike at a glance?
            "spearman_auto_svm_late": spearman(
                [e["auto"] for e in rows[len(rows) // 2 :]], svm[len(rows) // 2 :]
            ),
        }
        # A real baseline: the class's training images against the same reference.
        result["real_baseline"] = scores_of(
            train, real, train, extractor, judge, label, args.seed
        )
        if t_plain is not None:
            final = generate(plain.generators_[label], noise)
            result["no_choice_final"] = scores_of(
                final, real, train, extractor, judge, label, args.seed
            )
        results[label] = result

        print(
            f"\nclass {label}: {result['n_train']} training images, "
            f"{n_held} held back, {len(real)} independent real"
        )
        print(f"{'epoch':>6} " + " ".join(f"{c:>9}" for c in COLUMNS))
        for e in rows:
            mark = (" chosen" if e["epoch"] == result["chosen_epoch"] else "") + (
                " best-svm" if e["epoch"] in result["best_svm_epochs"] else ""
            )
            print(
                f"{e['epoch']:>6} " + " ".join(f"{e[c]:9.4f}" for c in COLUMNS) + mark
            )
            csv_rows.append(
                {"class": label, "epoch": e["epoch"]} | {c: e[c] for c in COLUMNS}
            )
        for name in ("real_baseline", "no_choice_final"):
            if name in result:
                s = result[name]
                print(f"{name}: " + " ".join(f"{c}={s[c]:.4f}" for c in COLUMNS[1:]))
        for key in (
            "spearman_auto_svm",
            "spearman_auto_kid",
            "spearman_kid_svm",
            "spearman_pixel_kid_svm",
            "spearman_auto_svm_late",
        ):
            rho, p = result[key]
            text = "n/a (constant)" if rho is None else f"{rho:+.2f} (p={p:.2f})"
            print(f"{key}: {text}")

    plot_grids(results, args.figures / "quality_epochs.png")
    plot_curves(results, args.figures / "quality_epochs_curves.png")
    with open(out / "quality_epochs.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, ["class", "epoch", *COLUMNS])
        writer.writeheader()
        writer.writerows(csv_rows)
    summary = {
        "machine": platform.platform(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "seconds_choose_true": dict(zip(("wall", "cpu"), t_choose, strict=True)),
        "seconds_choose_false": None
        if t_plain is None
        else dict(zip(("wall", "cpu"), t_plain, strict=True)),
        "ratio_wall": None if t_plain is None else t_choose[0] / t_plain[0],
        "ratio_cpu": None if t_plain is None else t_choose[1] / t_plain[1],
        "monitor_scorings": scorings,
        "updates": args.updates,
        "total_seconds": time.perf_counter() - run_start,
        "classes": {
            str(label): {k: v for k, v in r.items() if k != "rows"}
            for label, r in results.items()
        },
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=float))
    if t_plain is not None:
        print(
            f"\nthe choice's cost: wall {t_choose[0]:.1f} s vs {t_plain[0]:.1f} s "
            f"(ratio {t_choose[0] / t_plain[0]:.2f}), CPU {t_choose[1]:.1f} s vs "
            f"{t_plain[1]:.1f} s (ratio {t_choose[1] / t_plain[1]:.2f})"
        )
    print(f"total {summary['total_seconds']:.0f} s; CSV, snapshots in {out}")


if __name__ == "__main__":
    main()
