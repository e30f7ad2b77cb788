"""Class labels in messages and in folder names."""

import numpy as np
import pytest

from gansampler.labels import class_folder_name, label_text


@pytest.mark.parametrize(
    ("label", "text"),
    [
        (np.int64(3), "3"),
        (3, "3"),
        (np.float32(0.5), "0.5"),
        (np.str_("ok"), "'ok'"),
        ("ok", "'ok'"),
        (np.bool_(True), "True"),
    ],
)
def test_labels_read_as_their_python_value(label, text):
    assert label_text(label) == text


def test_class_folder_names_stay_inside():
    assert class_folder_name(3) == class_folder_name(np.int64(3)) == "class_3"
    assert class_folder_name("../../etc") == "class_.._.._etc"
    assert "/" not in class_folder_name("a/b") and "\\" not in class_folder_name("a\\b")
    assert class_folder_name("a b\0c") == "class_a_b_c"
