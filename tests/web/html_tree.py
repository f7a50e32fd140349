"""A small HTML tree for the web tests to look things up in by tag, attribute, label and
text (the standard library's parser; no snapshot of whole pages)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text inside as it reads, whitespace collapsed: inline tags add no space
        ("<b>R-1</b>," reads "R-1,"), as a browser renders them."""
        return " ".join(self.raw_text.split())

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def all(self, tag: str | None = None, text: str | None = None, **attrs: str) -> list[Node]:
        """Descendants with this tag, containing `text`, with these attribute values
        (`class_` for class, matched as one of its words)."""
        found = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if text is not None and text not in node.text:
                continue
            if all(_attr_matches(node, name, value) for name, value in attrs.items()):
                found.append(node)
        return found

    def one(self, tag: str | None = None, text: str | None = None, **attrs: str) -> Node:
        found = self.all(tag, text, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag}> with {text!r} {attrs}"
        return found[0]

    def by_id(self, id_: str) -> Node:
        return self.one(id=id_)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    # --- the lookups other tests grew up with -----------------------------------------------

    @property
    def raw_text(self) -> str:
        """The text inside exactly as written, tags dropped (no spaces added between them)."""
        return "".join(c if isinstance(c, str) else c.raw_text for c in self.children)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """This node and its descendants with this tag and these exact attribute values."""
        return [
            node
            for node in [self, *self.iter()]
            if (tag is None or node.tag == tag)
            and all(node.attrs.get(_name(k)) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def has_id(self, id_: str) -> bool:
        return bool(self.find_all(id=id_))

    def field(self, label: str) -> Node:
        """The control a <label> with exactly this text names."""
        (found,) = [n for n in self.all("label") if " ".join(n.raw_text.split()) == label]
        return self.by_id(found.attrs["for"])

    def button(self, name: str) -> Node:
        (found,) = [n for n in self.all("button") if " ".join(n.raw_text.split()) == name]
        return found

    def label_of(self, control: Node) -> str:
        label = self.find("label", for_=control.attrs["id"])
        assert label is not None, f"no label for #{control.attrs['id']}"
        return label.text


def _name(keyword: str) -> str:
    """An attribute name given as a keyword: `class_` is class, `aria_label` aria-label."""
    return keyword.rstrip("_").replace("_", "-")


def _attr_matches(node: Node, name: str, value: str) -> bool:
    name = _name(name)
    if name == "class":
        return value in node.attrs.get("class", "").split()
    return node.attrs.get(name) == value


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value if value is not None else "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {n: v or "" for n, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root
