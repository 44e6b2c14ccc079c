"""requirements.txt and environment.yml pin the same versions; torch stays on the CPU-build pin."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pins(lines):
    return {line.split("==")[0].lower(): line.split("==")[1] for line in lines}


def test_requirements_and_environment_agree():
    requirements = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
                    if line.strip() and not line.startswith("#")]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert all("==" in line for line in requirements), "every requirement is an exact pin"
    assert pins(requirements) == pins(pip_section)
    assert pins(requirements)["torch"] == "2.13.0"
