"""Load training data: Rasa NLU YAML (files or folders) and CSV ``text,intent``.

Every problem is reported as :class:`TrainingDataError` with file, line and what is wrong.
Line numbers come from PyYAML's node marks, so they point at the offending example.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from bot.nlu.errors import TrainingDataError
from bot.nlu.training_data import EntitySpan, Example, RegexPattern, TrainingData

YAML_SUFFIXES = (".yml", ".yaml")
# Label columns accepted in CSV files; ``text,intent`` is the documented form, Banking77 uses
# ``category``.
CSV_LABEL_COLUMNS = ("intent", "category", "label")
# [text](entity) | [text](entity:value) | [text]{"entity": ..., "value": ...}
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](?:\((?P<paren>[^)]*)\)|(?P<json>\{[^}]*\}))")
BLOCK_KEYS = ("intent", "synonym", "regex", "lookup")
NAME = re.compile(r"^[^\s{}\[\]()\"]+$")  # no spaces, brackets or quotes


def load_data(paths: Iterable[str | Path]) -> TrainingData:
    """Load and merge every file (or every YAML/CSV file under a folder) in ``paths``."""
    data = TrainingData()
    for path in _expand(paths):
        data = data.merge(load_file(path))
    return data


def load_file(path: str | Path) -> TrainingData:
    """Load one Rasa YAML or CSV file."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return load_csv(path)
    if path.suffix.lower() in YAML_SUFFIXES:
        return load_rasa_yaml(path)
    raise TrainingDataError(path, None, "unsupported file type (expected .yml, .yaml or .csv)")


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix.lower() in (*YAML_SUFFIXES, ".csv")
            )
            if not found:
                raise TrainingDataError(path, None, "folder holds no .yml/.yaml/.csv files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise TrainingDataError(path, None, "no such file or folder")
    return files


# --- CSV ---------------------------------------------------------------------------------


def load_csv(path: Path) -> TrainingData:
    """CSV with a header ``text,intent`` (``category`` or ``label`` also accepted)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise TrainingDataError(path, 1, "empty file; expected a header `text,intent`")
        columns = [c.strip().lower() for c in header]
        if "text" not in columns:
            raise TrainingDataError(path, 1, f"header {header} has no `text` column")
        label = next((c for c in CSV_LABEL_COLUMNS if c in columns), None)
        if label is None:
            raise TrainingDataError(path, 1, f"header {header} has no `intent` column")
        i_text, i_label = columns.index("text"), columns.index(label)
        examples = []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) <= max(i_text, i_label):
                raise TrainingDataError(path, line,
                                        f"expected {len(columns)} columns, got {len(row)}")
            text, intent = row[i_text].strip(), row[i_label].strip()
            if not text:
                raise TrainingDataError(path, line, "empty text")
            if not NAME.match(intent):
                raise TrainingDataError(path, line, f"invalid intent name {intent!r}")
            examples.append(Example(text, intent, (), f"{path}:{line}"))
    return TrainingData(examples=examples)


# --- Rasa YAML ---------------------------------------------------------------------------


def load_rasa_yaml(path: Path) -> TrainingData:
    """Rasa 3.x NLU YAML: ``nlu:`` list of intent / synonym / regex / lookup blocks."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise TrainingDataError(path, line, f"invalid YAML: {exc.problem}") from exc
    except UnicodeDecodeError as exc:
        raise TrainingDataError(path, None, "file is not UTF-8") from exc
    if root is None:
        raise TrainingDataError(path, 1, "empty file")
    if not isinstance(root, yaml.MappingNode):
        raise TrainingDataError(path, _line(root), "top level must be a mapping with `nlu:`")
    top = _mapping(root)
    nlu = top.get("nlu")
    data = TrainingData()
    if nlu is None:
        # Rasa allows domain/stories files next to NLU data; they simply hold no NLU.
        if not ({"version", "stories", "rules", "intents", "responses"} & set(top)):
            raise TrainingDataError(path, _line(root), "no `nlu:` key")
        return data
    value = nlu[1]
    if not isinstance(value, yaml.SequenceNode):
        raise TrainingDataError(path, _line(value), "`nlu:` must be a list of blocks")
    for block in value.value:
        data = data.merge(_block(path, block))
    return data


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _block(path: Path, node: yaml.Node) -> TrainingData:
    if not isinstance(node, yaml.MappingNode):
        raise TrainingDataError(path, _line(node), "each `nlu:` item must be a mapping")
    fields = _mapping(node)
    kinds = [k for k in BLOCK_KEYS if k in fields]
    if len(kinds) != 1:
        raise TrainingDataError(
            path, _line(node),
            f"block needs exactly one of {', '.join(BLOCK_KEYS)}; got {sorted(fields)}",
        )
    kind = kinds[0]
    name_node = fields[kind][1]
    name = str(name_node.value).strip() if isinstance(name_node, yaml.ScalarNode) else ""
    if not name:
        raise TrainingDataError(path, _line(name_node), f"`{kind}:` needs a name")
    if "examples" not in fields:
        raise TrainingDataError(path, _line(node), f"{kind} {name!r} has no `examples:`")
    lines = _example_lines(path, fields["examples"][1])
    if not lines:
        raise TrainingDataError(path, _line(fields["examples"][1]),
                                f"{kind} {name!r} has no examples")
    if kind == "intent":
        if not NAME.match(name):
            raise TrainingDataError(path, _line(name_node), f"invalid intent name {name!r}")
        data = TrainingData()
        for line_no, text in lines:
            example, synonyms = parse_annotated(text, name, path, line_no)
            data.examples.append(example)
            data.synonyms.update(synonyms)
        return data
    if kind == "synonym":
        return TrainingData(synonyms={text.casefold(): name for _, text in lines})
    if kind == "regex":
        for line_no, pattern in lines:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise TrainingDataError(path, line_no, f"regex {name!r}: {exc}") from exc
        return TrainingData(regexes=[RegexPattern(name, p) for _, p in lines])
    return TrainingData(lookups={name: [text for _, text in lines]})


def _example_lines(path: Path, node: yaml.Node) -> list[tuple[int, str]]:
    """``(line, text)`` for each ``- text`` of a literal block (or a YAML list)."""
    if isinstance(node, yaml.SequenceNode):  # examples given as a YAML list of strings
        return [(_line(n), str(n.value).strip()) for n in node.value
                if isinstance(n, yaml.ScalarNode)]
    if not isinstance(node, yaml.ScalarNode):
        raise TrainingDataError(path, _line(node),
                                "`examples:` must be a `|` block of `- text` lines")
    # Content of a `|` block starts on the line after the indicator.
    first = _line(node) + (1 if node.style in ("|", ">") else 0)
    out = []
    for offset, raw in enumerate(str(node.value).splitlines()):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not stripped.startswith("- "):
            if stripped == "-":
                raise TrainingDataError(path, first + offset, "empty example")
            raise TrainingDataError(path, first + offset,
                                    f"example must start with '- ': {stripped!r}")
        out.append((first + offset, stripped[2:].strip()))
    return out


def parse_annotated(
    markup: str, intent: str, path: str | Path = "<text>", line: int | None = None
) -> tuple[Example, dict[str, str]]:
    """Strip Rasa entity markup; returns the example and the synonyms it declares."""
    text_parts: list[str] = []
    spans: list[EntitySpan] = []
    synonyms: dict[str, str] = {}
    cursor = 0
    length = 0
    for match in ANNOTATION.finditer(markup):
        before = markup[cursor:match.start()]
        text_parts.append(before)
        length += len(before)
        surface = match.group("text")
        entity, value, role, group = _annotation_fields(match, path, line)
        start = length
        text_parts.append(surface)
        length += len(surface)
        if value is not None and value != surface:
            synonyms[surface.casefold()] = value
        spans.append(EntitySpan(entity, value or surface, start, length, role, group))
        cursor = match.end()
    text_parts.append(markup[cursor:])
    text = "".join(text_parts)
    leftover = re.search(r"\]\(|\]\{", text)
    if leftover:
        raise TrainingDataError(path, line, f"malformed entity annotation in {markup!r}")
    if not text.strip():
        raise TrainingDataError(path, line, "empty example")
    source = f"{path}:{line}" if line is not None else str(path)
    return Example(text, intent, tuple(spans), source), synonyms


def _annotation_fields(
    match: re.Match[str], path: str | Path, line: int | None
) -> tuple[str, str | None, str | None, str | None]:
    if match.group("json") is not None:
        try:
            spec = json.loads(match.group("json"))
        except json.JSONDecodeError as exc:
            raise TrainingDataError(
                path, line, f"entity annotation {match.group(0)!r} is not valid JSON: {exc.msg}"
            ) from exc
        if not isinstance(spec, dict) or not isinstance(spec.get("entity"), str):
            raise TrainingDataError(path, line,
                                    f"entity annotation {match.group(0)!r} needs \"entity\"")
        value = spec.get("value")
        return (spec["entity"], None if value is None else str(value),
                spec.get("role"), spec.get("group"))
    inner = match.group("paren").strip()
    entity, _, value = inner.partition(":")
    if not entity.strip() or not NAME.match(entity.strip()):
        raise TrainingDataError(path, line,
                                f"entity annotation {match.group(0)!r} has no entity name")
    return entity.strip(), (value.strip() or None), None, None
