"""pyproject.toml (pip path) and environment.yml (conda path) pin the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pip_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["test"]
    pins = {}
    for spec in specs:
        name, version = spec.split("==")
        pins[_norm(name)] = version
    return pins


def _conda_pins(path: Path) -> dict[str, str]:
    pins = {}
    for dep in yaml.safe_load(path.read_text())["dependencies"]:
        if isinstance(dep, dict):
            for spec in dep["pip"]:
                if "==" in spec:
                    name, version = spec.split("==")
                    pins[_norm(name)] = version
        elif "=" in dep and not dep.startswith(("python=", "pip")):
            name, version = dep.split("=")
            pins[_norm(name)] = version
    return pins


def test_every_pip_pin_is_exact():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.12"
    assert all("==" in spec for spec in project["dependencies"])


def test_environment_yml_matches_pyproject():
    assert _conda_pins(ROOT / "environment.yml") == _pip_pins()


def test_rule_environment_matches_pyproject():
    pins = _pip_pins()
    del pins["pytest"], pins["pyqca"]
    assert _conda_pins(ROOT / "workflow" / "envs" / "pymc.yaml") == pins
