"""The guides stay honest: every command and option they name exists, every relative link and
anchor resolves, and every example request of the API reference gets the documented status
from the real app (access control on)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from defasagem.access import AccessStore
from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings, AuthSettings
from defasagem.cli import cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
API_REFERENCE = ROOT / "docs" / "referencia-da-api.md"
# Shell words that end a command inside a snippet.
SEPARATORS = {"|", "||", "&&", ";", ">", ">>", "/", "&", "\\"}


def snippets(text: str) -> Iterator[str]:
    """Every line of every fenced block and every inline code span."""
    for block in re.findall(r"```[^\n]*\n(.*?)```", text, re.S):
        yield from block.splitlines()
    outside = re.sub(r"```[^\n]*\n.*?```", "", text, flags=re.S)
    yield from re.findall(r"`([^`\n]+)`", outside)


def command_uses(text: str) -> Iterator[tuple[list[str], list[str]]]:
    """(command path, options) of each ``defasagem ...`` in the text's code."""
    for snippet in snippets(text):
        for start in re.finditer(r"(?:^|[\s(])defasagem((?:\s+\S+)*)", snippet):
            words = start.group(1).split()
            path: list[str] = []
            group: click.Command = cli
            options: list[str] = []
            for word in words:
                if word in SEPARATORS or word.startswith("#"):
                    break
                if isinstance(group, click.Group) and word in group.commands and not options:
                    group = group.commands[word]
                    path.append(word)
                elif word.startswith("--"):
                    options.append(re.split(r"[=\]\)\|,.:;'\"]", word, maxsplit=1)[0])
                elif word.startswith("[--"):
                    options.append(re.split(r"[=\]\)\|,.:;'\"]", word[1:], maxsplit=1)[0])
            yield path, options


def resolve(path: list[str]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def test_every_command_and_option_named_in_the_guides_exists() -> None:
    checked = 0
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for path, options in command_uses(text):
            command = resolve(path)
            known = {"--help"}
            for parameter in command.params:
                known.update(getattr(parameter, "opts", []))
                known.update(getattr(parameter, "secondary_opts", []))
            for option in options:
                assert option in known, f"{doc.name}: defasagem {' '.join(path)} {option}"
                checked += 1
    assert checked > 50  # the guides do name the options


def test_every_make_target_and_script_named_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"(?m)^([a-z][a-z-]*):", makefile))
    for doc in DOCS:
        for snippet in snippets(doc.read_text(encoding="utf-8")):
            for target in re.findall(r"(?:^|\s)make ([a-z][a-z-]*)", snippet):
                assert target in targets, f"{doc.name}: make {target}"
            for script in re.findall(r"(benchmarks/[\w]+\.py)", snippet):
                assert (ROOT / script).is_file(), f"{doc.name}: {script}"


def slug(heading: str) -> str:
    """The anchor a Git host gives a heading (GitHub's rule: lower case, punctuation dropped,
    spaces as hyphens, accented letters kept)."""
    text = re.sub(r"[`*_]|\[|\]\([^)]*\)", "", heading.strip().lower())
    text = "".join(c for c in text if c in " -" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {slug(h) for h in re.findall(r"(?m)^#{1,6} (.*)$", text)}


def test_every_relative_link_and_anchor_resolves() -> None:
    checked = 0
    for doc in DOCS:
        text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto: not ours to check offline
            file, _, anchor = target.partition("#")
            where = (doc.parent / file).resolve() if file else doc
            assert where.exists(), f"{doc.name}: {target} não existe"
            if anchor:
                assert anchor in anchors(where), f"{doc.name}: âncora #{anchor} em {where.name}"
            checked += 1
    assert checked > 20


@dataclass(frozen=True)
class Example:
    method: str
    path: str
    headers: dict[str, str]
    body: str
    status: int


def examples() -> list[Example]:
    """The ``http`` blocks of the API reference and the status written after each."""
    text = API_REFERENCE.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"```http\n(.*?)```(.*?)Resposta `(\d{3})`", text, re.S):
        head, _, body = match.group(1).partition("\n\n")
        first, *header_lines = head.strip().splitlines()
        method, path = first.split()
        headers = dict(line.split(": ", 1) for line in header_lines)
        found.append(Example(method, path, headers, body.strip(), int(match.group(3))))
    return found


def test_the_api_reference_has_an_example_for_each_api_route() -> None:
    shown = {(e.method, e.path) for e in examples()}
    for route in ("/health", "/ready", "/model", "/metrics", "/openapi.json", "/docs"):
        assert ("GET", route) in shown
    assert ("POST", "/predict") in shown
    assert ("POST", "/monitoring/run") in shown
    statuses = {e.status for e in examples() if e.path == "/predict"}
    assert {200, 400, 401, 405, 415, 422} <= statuses


@pytest.mark.parametrize("example", examples(), ids=lambda e: f"{e.method} {e.path} {e.status}")
def test_each_example_request_gets_the_documented_status(
    example: Example, synthetic_bundle: Path, tmp_path: Path
) -> None:
    access = AccessStore(tmp_path / "acesso")
    token = access.add_token("docs")
    app = create_app(
        ApiSettings(synthetic_bundle, tmp_path / "logs", auth=AuthSettings(access.folder))
    )
    headers = {k: v.replace("$TOKEN", token) for k, v in example.headers.items()}
    answer = app.test_client().open(
        example.path, method=example.method, headers=headers, data=example.body or None
    )
    assert answer.status_code == example.status, answer.get_data(as_text=True)[:300]
    app.extensions["defasagem_store"].dispose()


def all_commands(
    command: click.Command = cli, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from all_commands(sub, (*path, name))


@pytest.mark.parametrize("path", list(all_commands()), ids=lambda p: " ".join(p) or "defasagem")
def test_every_command_helps_in_portuguese(path: tuple[str, ...]) -> None:
    from click.testing import CliRunner  # noqa: PLC0415

    shown = CliRunner().invoke(cli, [*path, "--help"], prog_name="defasagem")
    assert shown.exit_code == 0
    assert shown.output.startswith("Uso: defasagem")
    assert "Usage:" not in shown.output
    assert "Options:" not in shown.output
