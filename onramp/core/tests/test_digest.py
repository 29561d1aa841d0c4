from __future__ import annotations

import hashlib
import os

import pytest

from onramp.core import digest


@pytest.fixture(autouse=True)
def _no_early_hashes_left():
    yield
    for early in digest._early.values():
        early.start()._thread.join()
    digest._early.clear()


def test_file_digest_is_the_sha256_of_the_whole_file(tmp_path):
    path = tmp_path / "big.bin"
    data = os.urandom(3 << 20)
    path.write_bytes(data)
    assert digest.FileDigest(path).value == hashlib.sha256(data).hexdigest()


def test_a_digest_started_early_is_handed_to_the_import_of_the_same_file(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("timestamp,user\n")
    digest.hash_early(str(path))
    early = digest._early[str(path)]
    assert early.started
    given = digest.file_digest(path)
    assert given is early and given.value == hashlib.sha256(b"timestamp,user\n").hexdigest()
    # Handed over once: a second import of the path hashes it again.
    assert digest.file_digest(path) is not early


def test_a_file_changed_since_it_was_hashed_early_is_hashed_again(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("first\n")
    digest.hash_early(path)
    digest._early[str(path)].value  # noqa: B018 - wait for the early hash
    path.write_text("second, longer\n")
    given = digest.file_digest(path)
    assert not given.started
    assert given.value == hashlib.sha256(b"second, longer\n").hexdigest()


def test_hash_early_leaves_what_is_not_a_file_alone(tmp_path):
    digest.hash_early(str(tmp_path))  # a folder
    digest.hash_early("bench")  # an option's value, say
    assert str(tmp_path) not in digest._early
    assert os.path.abspath("bench") not in digest._early


def test_an_unreadable_file_raises_in_the_caller(tmp_path):
    missing = digest.FileDigest(tmp_path / "gone.csv")
    with pytest.raises(FileNotFoundError):
        missing.value  # noqa: B018


def test_the_command_line_looks_at_then_hashes_the_file_of_ingest_usage_before_django_starts(
    tmp_path, monkeypatch
):
    import onramp.__main__ as cli
    from onramp.adoption import usage_file

    path = tmp_path / "u.csv"
    path.write_text("timestamp,user\n")
    seen = []
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line",
        lambda argv: seen.append((argv, list(usage_file._early))),
    )
    monkeypatch.setattr(cli.gc, "freeze", lambda: None)  # not in the test's process
    cli.main(["ingest-usage", "--service", "bench", str(path)])
    argv, looking = seen[0]
    assert argv == ["onramp", "ingest_usage", "--service", "bench", str(path)]
    assert looking == [str(path)]
    # The hash starts once the look is done, in the look's thread.
    assert usage_file.early_look(path, "csv").headers == ["timestamp", "user"]
    assert list(digest._early) == [str(path)]


def test_an_empty_file_has_the_digest_of_nothing(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert digest.file_sha256(path) == hashlib.sha256(b"").hexdigest()
