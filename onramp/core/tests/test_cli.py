from __future__ import annotations

from onramp.core.cli import progress_bar


def test_the_progress_bar_shows_each_step_with_its_counts(capsys):
    with progress_bar(True) as steps:
        steps("parsing", 0, None)
        steps("parsing", 40, 40)
        steps("Writing rows", 3, 10)
    err = capsys.readouterr().err
    assert "Parsing…" in err and "40/40" in err
    assert "Writing rows…" in err and "3/10" in err


def test_a_hidden_progress_bar_prints_nothing_and_can_be_stopped(capsys):
    with progress_bar(False) as steps:
        steps("parsing", 1, 2)
        steps.stop()
    assert capsys.readouterr().err == ""
