"""The ``gansampler`` command."""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path


def _demo(args):
    from .datasets import load_imbalanced_digits
    from ._sampler import DCGANOverSampler
    from .monitoring import save_image_grid

    X, y = load_imbalanced_digits(return_X_y=True, random_state=args.random_state)
    print(f"Imbalanced digits: {len(X)} images of 8x8, class counts "
          f"{dict(sorted(Counter(y.tolist()).items()))}")
    epochs = "auto" if args.epochs is None else args.epochs
    sampler = DCGANOverSampler(epochs=epochs, random_state=args.random_state,
                               verbose=args.verbose)
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    seconds = time.perf_counter() - start
    n_epochs = sum(len(history["g_loss"]) for history in sampler.history_.values())
    print(
        f"Trained {len(sampler.generators_)} DC-GANs (epochs={epochs!r}, {n_epochs} "
        f"epochs in all) in {seconds:.1f} s and added {len(X_res) - len(X)} images: "
        f"class counts now {dict(sorted(Counter(y_res.tolist()).items()))}"
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    new_X, new_y = X_res[len(X):], y_res[len(X):]
    for label in sampler.generators_:
        path = save_image_grid(new_X[new_y == label][:49], out / f"generated_class_{label}.png",
                               scale=4)
        print(f"  class {label}: grid of generated images in {path}")
    return 0


def main(argv=None):
    """Run the ``gansampler`` command; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="gansampler",
        description="Over-sample minority image classes with DC-GANs.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="balance scikit-learn's digits (made imbalanced) on the CPU",
        description="Balance scikit-learn's 8x8 digits, made imbalanced, with one "
        "DC-GAN per minority class, and write a grid of generated images per class.",
    )
    demo.add_argument("--epochs", type=int, default=None,
                      help="epochs per class (default: auto, about 1,000 updates)")
    demo.add_argument("--out", default="gansampler-demo",
                      help="folder for the image grids (gansampler-demo)")
    demo.add_argument("--random-state", type=int, default=0, help="seed (0)")
    demo.add_argument("--verbose", type=int, default=1, help="0, 1 or 2 (1)")
    demo.set_defaults(run=_demo)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, OSError, ImportError) as error:
        print(f"gansampler: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
