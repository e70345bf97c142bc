"""The Dockerfile installs only hash-checked dependencies from requirements.lock (issue 14 item 20).

There is no container engine on the project's machines, so the image is not built here; instead the
Dockerfile is parsed and each rule a build relies on is checked: every `pip install` is hash-checked
from a lock file (no bare package names, no resolving), the lock is copied before it is installed,
every COPY source exists, every RUN line is valid shell, the code the image runs from is complete
(each package pyproject.toml ships), and its CMD is a command line `vms` accepts.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from pathlib import Path

from vms.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        name, _, args = whole.partition(" ")
        out.append((name.upper(), args.strip()))
    assert not pending, "the Dockerfile ends in a continuation line"
    return out


def pip_installs(command: str) -> list[list[str]]:
    """The argument lists of every `pip install` in a RUN command (split on && and ;)."""
    found = []
    for part in re.split(r"&&|;", command):
        words = shlex.split(part)
        for i in range(len(words) - 1):
            if words[i].endswith("pip") and words[i + 1] == "install":
                found.append(words[i + 2:])
    return found


def test_every_pip_install_is_hash_checked_from_a_lock() -> None:
    runs = [args for name, args in instructions() if name == "RUN"]
    installs = [words for run in runs for words in pip_installs(run)]
    assert installs, "the image installs nothing?"
    for words in installs:
        assert "--require-hashes" in words, words
        positional = []
        skip = False
        for i, word in enumerate(words):
            if skip:
                skip = False
                continue
            if word in ("-r", "--requirement", "--target", "-t"):
                skip = True
                continue
            if not word.startswith("-"):
                positional.append(word)
        assert positional == [], f"pip install of packages outside a lock file: {positional}"
        assert "-r" in words or "--requirement" in words, words
    assert any("-r" in words and words[words.index("-r") + 1] == "requirements.lock" for words in installs)


def test_the_lock_is_copied_before_it_is_installed_and_sources_exist() -> None:
    steps = instructions()
    copied: set[str] = set()
    lock_installed = False
    for name, args in steps:
        if name == "COPY":
            *sources, _dest = shlex.split(args)
            for source in sources:
                assert (ROOT / source).exists(), f"COPY of a missing path: {source}"
                copied.add(source.rstrip("/"))
        if name == "RUN" and "-r requirements.lock" in args:
            assert "requirements.lock" in copied, "requirements.lock installed before it is copied"
            lock_installed = True
    assert lock_installed
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    for pattern in packages["include"]:
        assert pattern.rstrip("*") in copied, f"package {pattern} is not copied into the image"
    assert "configs" in copied  # scenes and the example config the CMD names


def test_run_lines_are_valid_shell() -> None:
    for name, args in instructions():
        if name == "RUN":
            checked = subprocess.run(["bash", "-n", "-c", args], capture_output=True, text=True)
            assert checked.returncode == 0, checked.stderr


def test_the_setup_only_converter_pin_matches_make_install() -> None:
    runs = " ".join(args for name, args in instructions() if name == "RUN")
    docker_pin = re.search(r"tensorboard==([\d.]+) --hash=sha256:[0-9a-f]{64}", runs)
    make_pin = re.search(r"tensorboard==([\d.]+)", (ROOT / "Makefile").read_text())
    assert docker_pin and make_pin and docker_pin.group(1) == make_pin.group(1)


def test_cmd_is_a_command_line_vms_accepts() -> None:
    cmds = [args for name, args in instructions() if name == "CMD"]
    assert len(cmds) == 1
    import json

    argv = json.loads(cmds[0])
    assert argv[0] == "vms"
    args = build_parser().parse_args(argv[1:])
    assert args.command == "serve"
    config = Path(args.config)
    assert config.parts[:2] == ("/", "app") and (ROOT / Path(*config.parts[2:])).exists()
    workdir = [args for name, args in instructions() if name == "WORKDIR"]
    env = " ".join(args for name, args in instructions() if name == "ENV")
    assert workdir == ["/app"] and "PYTHONPATH=/app" in env  # `python -m vms.cli` finds the code it copied
