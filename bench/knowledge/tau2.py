"""The public data set of the knowledge benchmark, read straight from a git snapshot of
sierra-research/tau2-bench (MIT): the 698 banking_knowledge documents, the banking tasks
with their required documents, and the airline / retail / telecom tasks as questions the
banking knowledge base must refuse. Nothing of it is copied into kefu's repository."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.passages import ArticleDoc

DEFAULT_REPO = Path("/work/.mirror/sierra-research+tau2-bench/repo")
ENV = "KEFU_TAU2_REPO"
_BANK = "data/tau2/domains/banking_knowledge"


@dataclass(frozen=True)
class Question:
    """A question with the documents that answer it (empty: none does, refuse it)."""

    id: str
    text: str
    relevant: frozenset[str]


class DataMissing(RuntimeError):
    """The tau2-bench snapshot is not on this machine."""


def repo_dir() -> Path:
    """The snapshot's git directory (``KEFU_TAU2_REPO`` or the default mirror path)."""
    path = Path(os.environ.get(ENV) or DEFAULT_REPO)
    if not path.exists():
        raise DataMissing(f"no tau2-bench snapshot at {path}; fetch "
                          f"github:sierra-research/tau2-bench and set {ENV} to its git dir")
    return path


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def _json(repo: Path, path: str) -> object:
    return json.loads(_git(repo, "show", f"HEAD:{path}"))


def documents(repo: Path) -> list[ArticleDoc]:
    """Every banking document as an article (slug = the document id)."""
    names = _git(repo, "ls-tree", "-r", "--name-only", "HEAD", f"{_BANK}/documents").split()
    docs = []
    for name in names:
        d = _json(repo, name)
        assert isinstance(d, dict)
        category = re.sub(r"^doc_|_\d+$", "", d["id"])
        docs.append(ArticleDoc(d["id"], d["title"], d["content"], category, "en"))
    return docs


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def banking_questions(repo: Path) -> list[Question]:
    """Each banking task's customer instructions as the question, minus the role-play
    boilerplate shared by many tasks (sentences in 5 or more of them)."""
    tasks = [_json(repo, n) for n in _git(repo, "ls-tree", "-r", "--name-only", "HEAD",
                                          f"{_BANK}/tasks").split()]
    texts = {t["id"]: t["user_scenario"]["instructions"] for t in tasks}  # type: ignore[index]
    common = Counter(s for text in texts.values() for s in set(_sentences(text)))
    out = []
    for task in tasks:
        sentences = [s for s in _sentences(texts[task["id"]]) if common[s] < 5]  # type: ignore[index]
        out.append(Question(task["id"], " ".join(sentences),  # type: ignore[index]
                            frozenset(task.get("required_documents") or ())))  # type: ignore[union-attr]
    return [q for q in out if q.relevant and q.text]


def other_domain_questions(repo: Path, domain: str) -> list[Question]:
    """Another domain's reasons for calling: nothing in the banking documents answers them."""
    try:
        tasks = _json(repo, f"data/tau2/domains/{domain}/tasks.json")
    except subprocess.CalledProcessError:
        return []  # a file the snapshot left out (its largest files may be absent)
    out = []
    for task in tasks:  # type: ignore[union-attr]
        inst = task["user_scenario"]["instructions"]
        text = inst.get("reason_for_call") if isinstance(inst, dict) else str(inst)
        if text:
            out.append(Question(f"{domain}:{task['id']}", " ".join(text.split()), frozenset()))
    return out
