"""The project's install files agree with each other and with the Makefile."""

from __future__ import annotations

import re
import tomllib

import yaml

from p3pd_lib.paths import PROJECT_ROOT


def _pyproject_requirements() -> list[str]:
    meta = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    return [*meta["dependencies"], *meta["optional-dependencies"]["test"]]


def _conda_pip_requirements() -> list[str]:
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pip_lists = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_lists) == 1, "environment.yml harus punya tepat satu bagian pip"
    return [r for r in pip_lists[0] if not r.startswith("-e")]


def _normalise(req: str) -> str:
    name, spec = re.match(r"^([A-Za-z0-9_.\-\[\]]+)(.*)$", req.replace(" ", "")).groups()
    return re.sub(r"[-_.]+", "-", name).lower() + ",".join(sorted(spec.split(",")))


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert sorted(map(_normalise, _conda_pip_requirements())) == sorted(map(_normalise, _pyproject_requirements()))


def test_environment_yml_pins_python_311():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_ci_runs_the_readme_test_command():
    readme = (PROJECT_ROOT / "README.md").read_text()
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make demo" in readme
    assert re.search(r"^make test$", ci, flags=re.M)


def test_makefile_targets_are_documented_for_make_help():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, flags=re.M).group(1).split()
    for target in phony:
        assert re.search(rf"^{re.escape(target)}:.*## ", makefile, flags=re.M), f"target {target} tanpa ##"
