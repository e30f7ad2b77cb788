"""Does a class's GAN on ELPV survive training, and how close do its images get?

On ELPV at 64x64 (and 128x128) the GANs of the minority classes diverged early
with the article's learning rates (docs/results.md): the discriminator's loss
stayed below 1e-3 and the sampler stopped them. This script trains one GAN per
minority class under a few training settings and measures, for each, only
things about the GAN itself, never the downstream classifier:

* the epoch it reached (``len(history_)``) and whether it was stopped for a
  divergence (a ``GANTrainingWarning``);
* the Frechet and kernel distances, density and coverage of 500 generated
  images against held-out real images of the class, in the feature space of a
  CNN trained on the training part of all four classes (``gansampler.metrics``);
* the wall time.

The held-out images (20 %, stratified) are used for these scores only.

Usage (on the GPU machine, the images exported by ``export_elpv_npz.py``)::

    KERAS_BACKEND=jax python benchmarks/gan_stability_elpv.py \
        --data .gpudata/elpv_64.npz --out $OUT/stability64

Writes ``stability.csv`` and prints the table.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import load_dataset
from sklearn.model_selection import train_test_split

from gansampler import DCGANOverSampler
from gansampler.metrics import FeatureExtractor, score_samples
from gansampler.recipes import ARTICLE
from gansampler.training import GANTrainingWarning

# name -> DCGANOverSampler parameters. Every variant starts from the article's
# recipe without its label smoothing (the article's own settings: D 1e-3,
# G 1e-4, tip 6); "+ls0.1" puts the recipe's smoothing back.
PLAIN = {**ARTICLE, "label_smoothing": 0.0}
LR_2E4 = {**PLAIN, "d_learning_rate": 2e-4, "g_learning_rate": 2e-4}
VARIANTS = {
    "article": PLAIN,
    "lr2e-4": LR_2E4,  # equal rates, as in the DCGAN paper
    "lr1e-4": {**PLAIN, "d_learning_rate": 1e-4, "g_learning_rate": 1e-4},
    "article+ls0.1": {**PLAIN, "label_smoothing": 0.1},
    "lr2e-4+ls0.1": {**LR_2E4, "label_smoothing": 0.1},
    "lr2e-4+drop0.5": {**LR_2E4, "generator_dropout": 0.5},
    "lr2e-4+drop0.5+ls0.1": {
        **LR_2E4,
        "generator_dropout": 0.5,
        "label_smoothing": 0.1,
    },
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help=".npz with images, target")
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--variants",
        default=None,
        help=f"comma-separated subset of {','.join(VARIANTS)}",
    )
    parser.add_argument("--updates", default="auto")
    parser.add_argument("--precision", default="bfloat16")
    parser.add_argument("--n-fake", type=int, default=500)
    parser.add_argument("--max-per-class", type=int, default=None)
    parser.add_argument("--extractor-epochs", type=int, default=15)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    images, target = load_dataset(args.data)
    X_train, X_test, y_train, y_test = train_test_split(
        images, target, test_size=0.2, stratify=target, random_state=0
    )
    classes, counts = np.unique(y_train, return_counts=True)
    majority = classes[np.argmax(counts)]
    minority = [c for c in classes if c != majority]
    print("classes", dict(zip(classes.tolist(), counts.tolist(), strict=True)))

    start = time.perf_counter()
    extractor = FeatureExtractor(epochs=args.extractor_epochs, random_state=0)
    extractor.fit(X_train, y_train)
    print(f"feature CNN trained in {time.perf_counter() - start:.1f} s", flush=True)
    real_scores = {
        c: score_samples(
            X_test[y_test == c],
            X_train[y_train == c][: len(X_test[y_test == c])],
            extractor=extractor,
            random_state=0,
        )
        for c in minority
    }

    names = args.variants.split(",") if args.variants else list(VARIANTS)
    updates = args.updates if args.updates == "auto" else int(args.updates)
    rows = []
    for name in names:
        params = VARIANTS[name]
        for c in minority:
            X_c = X_train[y_train == c][: args.max_per_class]
            # One class at a time: the other images are the "majority" the
            # sampler ignores; it grows class c by one image and we then draw.
            X_fit = np.concatenate([X_c, X_train[y_train == majority]])
            y_fit = np.concatenate(
                [np.full(len(X_c), c), np.full((y_train == majority).sum(), majority)]
            )
            sampler = DCGANOverSampler(
                sampling_strategy={c: len(X_c) + 1},
                updates=updates,
                precision=args.precision,
                random_state=0,
                **params,
            )
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", GANTrainingWarning)
                sampler.fit_resample(X_fit, y_fit)
            seconds = time.perf_counter() - start
            stopped = [
                str(w.message) for w in caught if w.category is GANTrainingWarning
            ]
            fake = sampler.generate(c, args.n_fake, random_state=1)
            scores = score_samples(
                X_test[y_test == c], fake, extractor=extractor, random_state=0
            )
            history = sampler.history_[c]
            row = {
                "variant": name,
                "class": c,
                "n_train": len(X_c),
                "epochs_trained": len(history["g_loss"]),
                "stopped": bool(stopped),
                "chosen_epoch": sampler.quality_[c]["chosen_epoch"],
                "fid": scores["fid"],
                "kid": scores["kid"],
                "density": scores["density"],
                "coverage": scores["coverage"],
                "fid_real_vs_real": real_scores[c]["fid"],
                "d_loss_real_last": history["d_loss_real"][-1],
                "d_loss_fake_last": history["d_loss_fake"][-1],
                "seconds": seconds,
            }
            rows.append(row)
            print(json.dumps(row, default=str), flush=True)
            pd.DataFrame(rows).to_csv(out / "stability.csv", index=False)

    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
