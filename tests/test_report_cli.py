"""``accel-dse report`` as a command: a failed report leaves no output directory behind, and --screenshot
without Chromium fails before anything is built."""
import optuna
import pytest
from click.testing import CliRunner

from dse.cli import main


@pytest.fixture
def storage(tmp_path):
    """A SQLite storage holding one study, ``other``."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    optuna.create_study(storage=url, study_name="other")
    return url


def test_a_failed_report_removes_the_directories_it_created(storage, tmp_path):
    out = tmp_path / "new" / "nested" / "out"
    result = CliRunner().invoke(main, ["report", "--storage", storage, "--study", "nope", "--out", str(out)])
    assert result.exit_code == 1 and "no study named 'nope'" in result.output, result.output
    assert not (tmp_path / "new").exists()


def test_a_failed_report_keeps_an_existing_directory(storage, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("kept")
    result = CliRunner().invoke(main, ["report", "--storage", storage, "--study", "nope", "--out", str(out)])
    assert result.exit_code == 1
    assert (out / "notes.txt").read_text() == "kept"


def test_screenshot_without_chromium_fails_before_building(storage, tmp_path, monkeypatch):
    monkeypatch.setattr("dse.report_browser.find_chromium", lambda: None)

    def must_not_run(*args, **kwargs):
        raise AssertionError("the report was built although Chromium is missing")

    monkeypatch.setattr("dse.report.write_report", must_not_run)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", "--storage", storage, "--study", "other", "--out", str(out),
                                       "--screenshot"])
    assert result.exit_code == 1, result.output
    assert "Error: --screenshot needs Chromium" in result.output and "apt-get install chromium" in result.output
    assert not out.exists()
    demo = CliRunner().invoke(main, ["demo", "--out", str(out), "--screenshot"])
    assert demo.exit_code == 1 and "Error: --screenshot needs Chromium" in demo.output
    assert not out.exists()
