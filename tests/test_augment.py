"""DiffAugment: each transformation against a numpy reference, on every backend."""

import numpy as np
import pytest
from keras import ops

from gansampler.augment import POLICIES, DiffAugment, check_policy


def _images(n=6, h=8, w=8, c=1, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, h, w, c)).astype("float32")


def _apply(policy, x, u):
    return ops.convert_to_numpy(DiffAugment(policy)(x, np.asarray(u, "float32")))


def _shifted(image, dy, dx):
    out = np.zeros_like(image)
    h, w = image.shape[:2]
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[i, j] = image[i - dy, j - dx]
    return out


@pytest.mark.parametrize("uy, ux", [(0.5, 0.5), (0.0, 0.99), (0.99, 0.2), (0.3, 0.7)])
def test_translation_shifts_by_whole_pixels_filling_with_zero(uy, ux):
    x = _images(n=1, h=16, w=24)
    out = _apply("translation", x, [[uy, ux]])
    # reach = 1/8 of the size: 2 rows, 3 columns; shift = floor(u * (2r+1)) - r
    dy, dx = int(np.floor(uy * 5)) - 2, int(np.floor(ux * 7)) - 3
    np.testing.assert_array_equal(out[0], _shifted(x[0], dy, dx))


def test_translation_by_zero_is_the_identity():
    x = _images()
    np.testing.assert_array_equal(_apply("translation", x, np.full((6, 2), 0.5)), x)


def test_cutout_zeroes_one_square_of_half_the_size():
    x = _images(n=1, h=8, w=8) + 2.0  # no pixel is 0 before
    out = _apply("cutout", x, [[0.5, 0.0]])  # centre row 4, column 0
    zero = out[0, ..., 0] == 0
    rows, cols = np.nonzero(zero)
    assert (rows.min(), rows.max()) == (2, 5)  # 4 rows from 4 - 4 // 2
    assert (cols.min(), cols.max()) == (0, 1)  # the box runs off the left edge
    np.testing.assert_array_equal(out[0][~zero], x[0][~zero])


def test_flip_mirrors_each_axis_with_its_own_number():
    x = _images(n=4)
    u = [[0.1, 0.9], [0.9, 0.1], [0.1, 0.1], [0.9, 0.9]]
    out = _apply("flip", x, u)
    np.testing.assert_array_equal(out[0], x[0, :, ::-1])
    np.testing.assert_array_equal(out[1], x[1, ::-1])
    np.testing.assert_array_equal(out[2], x[2, ::-1, ::-1])
    np.testing.assert_array_equal(out[3], x[3])


def test_rot90_gives_the_four_quarter_turns():
    x = np.repeat(_images(n=1), 4, axis=0)
    out = _apply("rot90", x, [[0.1, 0], [0.3, 0], [0.6, 0], [0.9, 0]])
    turns = [np.rot90(x[0], k, axes=(0, 1)) for k in range(4)]
    np.testing.assert_array_equal(out[0], turns[0])
    found = sorted(
        next(k for k in range(4) if np.array_equal(image, turns[k])) for image in out
    )
    assert found == [0, 1, 2, 3]


def test_color_changes_brightness_and_contrast_only():
    x = _images(n=2, c=1)
    out = _apply("color", x, [[0.5, 0.5, 0.5], [1.0, 0.5, 0.0]])
    np.testing.assert_allclose(out[0], x[0], atol=1e-6)  # no change at 0.5
    shifted = x[1] + 0.5
    expected = (shifted - shifted.mean()) * 0.5 + shifted.mean()
    np.testing.assert_allclose(out[1], expected, atol=1e-5)


def test_color_changes_saturation_of_colour_images():
    x = _images(n=1, c=3)
    out = _apply("color", x, [[0.5, 0.0, 0.5]])  # saturation 0: grey
    np.testing.assert_allclose(
        out[0], np.repeat(x[0].mean(-1, keepdims=True), 3, -1), atol=1e-6
    )


def test_policies_compose_in_order_and_count_their_randomness():
    augment = DiffAugment(("flip", "translation"))
    assert augment.policy == ("flip", "translation") and augment.n_random == 4
    assert not DiffAugment(None) and not DiffAugment("")
    assert DiffAugment("cutout,color").n_random == 5
    x = _images(n=1)
    u = [[0.1, 0.9, 0.99, 0.5]]  # flip left-right, then shift down by one
    out = _apply(("flip", "translation"), x, u)
    np.testing.assert_array_equal(out[0], _shifted(x[0, :, ::-1], 1, 0))


def test_gradients_pass_through_every_policy():
    import tensorflow as tf

    x = tf.constant(_images(n=3))
    u = tf.constant(
        np.random.default_rng(1).random((3, DiffAugment(POLICIES).n_random)), tf.float32
    )
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(DiffAugment(POLICIES)(x, u) * 3.0)
    grad = tape.gradient(y, x).numpy()
    assert np.isfinite(grad).all() and np.abs(grad).sum() > 0


def test_check_policy_refuses_what_cannot_apply():
    assert check_policy(" translation ,cutout,") == ("translation", "cutout")
    with pytest.raises(ValueError, match="unknown augmentation 'blur'"):
        check_policy("blur")
    with pytest.raises(ValueError, match="twice"):
        check_policy(["flip", "flip"])
    with pytest.raises(ValueError, match="needs square images; these are 8x12"):
        check_policy("rot90", (8, 12, 1))
    with pytest.raises(ValueError, match="applies to images"):
        check_policy("flip", (20,))
    assert check_policy("", (20,)) == ()


SCRIPT = r"""
import json, sys
import numpy as np
from keras import ops
from gansampler.augment import POLICIES, DiffAugment
rng = np.random.default_rng(0)
x = rng.uniform(-1, 1, (5, 8, 8, 3)).astype("float32")
augment = DiffAugment(POLICIES)
u = rng.random((5, augment.n_random)).astype("float32")
print("RESULT " + json.dumps(ops.convert_to_numpy(augment(x, u)).tolist()))
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_every_backend_augments_alike(run_in_backend, backend):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (5, 8, 8, 3)).astype("float32")
    augment = DiffAugment(POLICIES)
    u = rng.random((5, augment.n_random)).astype("float32")
    here = ops.convert_to_numpy(augment(x, u))
    there = np.array(run_in_backend(SCRIPT, backend))
    np.testing.assert_allclose(there, here, atol=1e-5)
