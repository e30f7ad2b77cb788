"""Recipes: complete sets of GAN training settings, chosen as a whole.

A GAN trained on a hundred images of one class is fragile, and its settings
work together: the study behind ``"default"`` (docs/gan_study.md) found that
single changes to the article's recipe did not help and some hurt. So
:class:`~gansampler.DCGANOverSampler` takes a ``recipe`` and fills every
technique parameter left at None from it; a parameter given explicitly
overrides the recipe.

* ``"article"``: the article "Conquer class-imbalanced dataset issues using
  GANs" (Adam 1e-3 / 1e-4, batch normalisation in both networks, transposed
  convolutions, binary cross-entropy, no augmentation), plus one-sided label
  smoothing of 0.1, and about 1,000 generator updates per class.
* ``"default"``: the recipe the study chose inside training folds: the
  article's, with the generator upsampling by resizing and convolving
  instead of by transposed convolutions. Of the techniques the study tried
  one at a time and together (spectral or no normalisation in the
  discriminator, the hinge loss, differentiable augmentation, an average of
  the generator's weights, and all of them at once), this change made the
  images most like held-back real ones and did the most for a classifier
  across digits and ELPV solar cells; docs/gan_study.md has the figures.
"""

__all__ = ["RECIPES", "TECHNIQUES", "resolve_recipe"]

#: The recipes: for each, the value of every technique parameter.
RECIPES = {
    "article": {
        "d_learning_rate": 1e-3,
        "g_learning_rate": 1e-4,
        "label_smoothing": 0.1,
        "discriminator_norm": None,
        "upsampling": "transposed",
        "loss": "bce",
        "augmentation": (),
        "generator_ema": None,
        "pretrain": False,
        "freeze_discriminator": 0,
        "generated_fraction": 1.0,
        "reuse_fakes": False,
        "updates": 1000,
    },
}
RECIPES["default"] = {**RECIPES["article"], "upsampling": "resize"}

#: The parameters a recipe sets.
TECHNIQUES = tuple(RECIPES["article"])


def resolve_recipe(recipe, **given):
    """The settings of ``recipe`` with the parameters given (not None) in place.

    Parameters
    ----------
    recipe : {"default", "article"}
        The recipe.
    **given
        Technique parameters; a value of None means "the recipe's".

    Returns
    -------
    dict
        One value per name in :data:`TECHNIQUES`.

    Examples
    --------
    >>> from gansampler.recipes import resolve_recipe
    >>> settings = resolve_recipe("article", loss="hinge", updates=None)
    >>> settings["loss"], settings["updates"]
    ('hinge', 1000)
    """
    if recipe not in RECIPES:
        raise ValueError(
            f"recipe must be one of {', '.join(map(repr, RECIPES))}; got {recipe!r}."
        )
    unknown = set(given) - set(TECHNIQUES)
    if unknown:
        raise TypeError(f"Not technique parameters: {', '.join(sorted(unknown))}.")
    settings = dict(RECIPES[recipe])
    settings.update({name: value for name, value in given.items() if value is not None})
    return settings
