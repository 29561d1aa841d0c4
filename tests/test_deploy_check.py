"""`onramp check --deploy` passes with production values, and the defaults are safe."""

from __future__ import annotations

import importlib.metadata
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def onramp(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onramp", *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def clean_env(var_dir: Path, **values: str) -> dict[str, str]:
    """This process's environment without any Onramp setting, plus `values`."""
    ours = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "ONRAMP_HTTPS",
        "ONRAMP_BEHIND_PROXY",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        # conftest.py sets it for Playwright; a deployment must not (async.E001).
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    env = {k: v for k, v in os.environ.items() if k not in ours}
    return {**env, "ONRAMP_VAR_DIR": str(var_dir), **values}


def production_env(var_dir: Path) -> dict[str, str]:
    return clean_env(
        var_dir,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="onramp.example.org",
        CSRF_TRUSTED_ORIGINS="https://onramp.example.org",
        ONRAMP_HTTPS="true",
        ONRAMP_BEHIND_PROXY="true",
    )


def test_the_deploy_check_finds_no_issues_with_production_values(tmp_path):
    result = onramp("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_catches_debug_left_on(tmp_path):
    env = {**production_env(tmp_path), "DEBUG": "true"}

    result = onramp("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "security.W018" in result.stderr


def test_the_deploy_check_catches_plain_http_in_production(tmp_path):
    env = {**production_env(tmp_path), "ONRAMP_HTTPS": "false"}

    result = onramp("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr


def test_debug_is_off_and_a_secret_key_is_generated_under_var_when_nothing_is_set(tmp_path):
    show = "from django.conf import settings; print(settings.DEBUG, len(settings.SECRET_KEY))"

    first = onramp("shell", "-v", "0", "-c", show, env=clean_env(tmp_path))
    second = onramp("shell", "-v", "0", "-c", show, env=clean_env(tmp_path))

    assert first.returncode == 0, first.stderr
    debug, length = first.stdout.split()
    assert debug == "False"
    assert int(length) >= 50
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip()
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert second.stdout == first.stdout  # the same key again: sessions survive a restart


def test_a_bad_boolean_in_the_environment_stops_the_start_with_a_clear_message(tmp_path):
    result = onramp("check", env=clean_env(tmp_path, ONRAMP_HTTPS="yes please"))

    assert result.returncode != 0
    assert "ONRAMP_HTTPS='yes please' is not a boolean" in result.stderr


def test_env_example_lists_every_environment_variable_onramp_reads():
    root = Path(settings.BASE_DIR)
    reads = re.compile(
        r"""(?:env_(?:str|bool|int|list)|os\.environ\.get|getenv)\(\s*["']([A-Z0-9_]+)["']"""
    )
    read: set[str] = set()
    for path in (root / "onramp").rglob("*.py"):
        if "tests" not in path.parts:
            read |= set(reads.findall(path.read_text()))
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (root / ".env.example").read_text(), re.M))

    assert read, "found no environment variables at all: the pattern above is out of date"
    missing = sorted(read - listed - {"DJANGO_SETTINGS_MODULE"})
    assert not missing, f"add these to .env.example, each with a comment: {missing}"


def read_lock() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (Path(settings.BASE_DIR) / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "-")):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: {line!r} is not pinned as name==version"
            pins[canonicalize_name(name)] = version
    return pins


def test_requirements_lock_pins_every_dependency_of_pyproject_within_its_range():
    project = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    pins = read_lock()

    problems = [
        f"{req}: " + (f"locked at {pins[name]}" if name in pins else "not in the lock")
        for req in wanted
        if (name := canonicalize_name(req.name)) not in pins
        or not req.specifier.contains(pins[name], prereleases=True)
    ]

    assert not problems, f"run `make lock`, or append the pins: {problems}"


def test_the_installed_packages_are_the_locked_versions():
    stale = []
    for name, version in read_lock().items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "missing"
        if installed != version:
            stale.append(f"{name}: locked {version}, installed {installed}")

    assert not stale, f"run `make install` (or fix requirements.lock): {stale}"
