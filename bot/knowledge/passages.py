"""Articles cut into passages: one per section (heading + its text), long sections per
paragraph, each keeping its heading so a passage still says what it is about."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt

# A section longer than this (characters) is split into its paragraphs.
SECTION_CHARS = 700
_md = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True, slots=True)
class ArticleDoc:
    """What retrieval needs of an article (no database row crosses into the index)."""

    slug: str
    title: str
    body: str
    category: str
    language: str


@dataclass(frozen=True, slots=True)
class Passage:
    """One retrievable piece of an article; ``text`` is what the bot quotes."""

    slug: str
    title: str
    language: str
    heading: str
    text: str

    @property
    def indexed_text(self) -> str:
        """What is matched: the title and heading say what the text is about."""
        return " ".join(p for p in (self.title, self.heading, self.text) if p)


def _blocks(body: str) -> list[tuple[str, str]]:
    """(kind, plain text) per heading / paragraph / list item / code block of Markdown."""
    blocks: list[tuple[str, str]] = []
    tokens = _md.parse(body)
    for i, token in enumerate(tokens):
        if token.type == "inline":
            kind = "heading" if tokens[i - 1].type == "heading_open" else "text"
            text = "".join(c.content for c in token.children or () if c.type in
                           ("text", "code_inline", "softbreak")
                           ) if token.children else token.content
            text = " ".join(text.split()) if kind == "heading" else text.replace("\n", " ")
            if text.strip():
                list_item = i >= 2 and tokens[i - 2].type == "list_item_open"
                blocks.append((kind, ("- " if list_item else "") + text.strip()))
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(("text", token.content.strip()))
    return blocks


def split_article(doc: ArticleDoc) -> list[Passage]:
    """The article's passages, in reading order (never empty for a non-empty body)."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for kind, text in _blocks(doc.body):
        if kind == "heading":
            sections.append((text, []))
        else:
            sections[-1][1].append(text)
    passages: list[Passage] = []
    for heading, texts in sections:
        if not texts:
            continue
        joined = "\n".join(texts)
        pieces = [joined] if len(joined) <= SECTION_CHARS else _paragraph_groups(texts)
        passages.extend(Passage(doc.slug, doc.title, doc.language, heading, p) for p in pieces)
    if not passages and doc.title:
        passages.append(Passage(doc.slug, doc.title, doc.language, "", doc.title))
    return passages


def _paragraph_groups(texts: list[str]) -> list[str]:
    """Consecutive paragraphs joined up to about ``SECTION_CHARS`` each."""
    groups: list[str] = []
    current: list[str] = []
    for text in texts:
        if current and sum(len(t) for t in current) + len(text) > SECTION_CHARS:
            groups.append("\n".join(current))
            current = []
        current.append(text)
    if current:
        groups.append("\n".join(current))
    return groups
