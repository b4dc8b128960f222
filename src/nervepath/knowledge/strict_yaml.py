"""YAML that refuses a key given twice in one mapping.

PyYAML keeps the last of two equal keys without a word, so a rule's second ``see_also`` or a
case's repeated answer would silently drop the first; here it is a ``yaml.YAMLError`` that
names the key and both lines, reported like any other malformed YAML.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

__all__ = ["DuplicateKeyError", "load"]


class DuplicateKeyError(ConstructorError):
    """A mapping gives one key twice; ``problem`` says which and where the first was."""


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKeyError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load(text: str | bytes) -> Any:
    """``yaml.safe_load``, except that a duplicate key raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
