"""How often a classifier trained on real digits recognises generated digits.

For each seed and class, DCGANOverSampler (default settings) grows the class by
300 images; an RBF-SVM trained on all 1,797 real digits labels the new images.
The share labelled as the intended class is printed (chance: 10 %). The quality
test in tests/test_quality.py takes its threshold from this measurement.

    python benchmarks/quality_digits.py --seeds 0 1 2 --classes 3 8
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.svm import SVC

from gansampler import DCGANOverSampler


def recognised_share(label, seed, updates):
    X, y = load_digits(return_X_y=True)
    judge = SVC(gamma="scale").fit(X / 16, y)
    sampler = DCGANOverSampler(
        sampling_strategy={label: int(np.sum(y == label)) + 300},
        random_state=seed,
        **({} if updates is None else {"updates": updates}),
    )
    X_res, _ = sampler.fit_resample(X.reshape(-1, 8, 8, 1), y)
    new = X_res[len(X) :].reshape(-1, 64) / 16
    return float(np.mean(judge.predict(new) == label))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--classes", type=int, nargs="+", default=[3, 8])
    parser.add_argument("--updates", type=int, default=None)
    args = parser.parse_args(argv)
    shares = []
    for label in args.classes:
        for seed in args.seeds:
            start = time.perf_counter()
            share = recognised_share(label, seed, args.updates)
            shares.append(share)
            print(
                f"class {label} seed {seed}: {share:.1%} recognised "
                f"({time.perf_counter() - start:.1f} s)",
                flush=True,
            )
    print(f"min {min(shares):.1%}, mean {np.mean(shares):.1%}, max {max(shares):.1%}")
    return shares


if __name__ == "__main__":
    main()
