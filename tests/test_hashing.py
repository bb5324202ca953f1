"""Content hashes: a file's bytes (name-free) and a directory tree (relative paths + bytes)."""
import hashlib

import pytest

from ppa.errors import PPAInputError
from ppa.hashing import file_sha256, tree_sha256


def tree(root):
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("x")
    (root / "sub" / "b.json").write_text('{"y": 1}\n')
    return root


def test_file_sha256_is_the_bytes_digest_whatever_the_name(tmp_path):
    (tmp_path / "one.csv").write_bytes(b"a,b\n1,2\n")
    (tmp_path / "two.csv").write_bytes(b"a,b\n1,2\n")
    assert file_sha256(tmp_path / "one.csv") == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert file_sha256(tmp_path / "two.csv") == file_sha256(tmp_path / "one.csv")


def test_tree_sha256_reference_digest(tmp_path):
    # Reference value from the definition dse.evaluator.file_sha256 had before it moved here: studies
    # recorded with it keep matching their bundles.
    expected = "c56021b8b31bc717a0dea1d6d13de7e0f18296e879ce4d2185a1465016321a8d"
    assert tree_sha256(tree(tmp_path / "bundle")) == expected
    manual = hashlib.sha256(b"a.txt" + b"x" + b"sub/b.json" + b'{"y": 1}\n').hexdigest()
    assert expected == manual


def test_tree_sha256_sees_renames_edits_and_additions(tmp_path):
    root = tree(tmp_path / "bundle")
    before = tree_sha256(root)
    (root / "a.txt").rename(root / "c.txt")
    renamed = tree_sha256(root)
    assert renamed != before
    (root / "c.txt").write_text("y")
    edited = tree_sha256(root)
    assert edited not in (before, renamed)
    (root / "d.txt").write_text("")
    assert tree_sha256(root) not in (before, renamed, edited)


def test_tree_sha256_refuses_a_file(tmp_path):
    (tmp_path / "model.json").write_text("{}")
    with pytest.raises(PPAInputError, match=r"model.json: not a directory; tree_sha256 hashes a directory tree"):
        tree_sha256(tmp_path / "model.json")
