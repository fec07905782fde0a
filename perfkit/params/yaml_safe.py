"""The YAML loader for every params, hardware and suite file and every ``--set`` value.

PyYAML's SafeLoader already refuses tags that build Python objects. On top of it this loader
refuses what makes a small file expensive or ambiguous:

* alias expansion beyond MAX_EXPANDED_NODES: a "billion laughs" file is a few lines that expand
  to gigabytes when a consumer walks the result. Aliases themselves stay allowed (PyYAML's own
  dumper writes them for repeated objects); after composing, the size of the document with
  every alias expanded is counted over the node graph (memoized, so counting is cheap) and a
  document over the limit, or one whose aliases are recursive, is refused naming the line;
* non-finite floats (``.nan``, ``.inf``, ``1e400``): a learning rate of inf would be stored as
  null and fail later;
* mapping keys that are not strings (``1: x``, ``[a]: b``, ``null: 3``);
* documents nested deeper than MAX_DEPTH.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

MAX_DEPTH = 32
MAX_EXPANDED_NODES = 100_000
MAX_INT_DIGITS = 4300  # Python's own limit on int(str) (sys.get_int_max_str_digits)
MAX_INT_BITS = 14_285  # 10**4300 - 1, the largest 4300-digit number, has 14,285 bits


class ParamsYamlError(yaml.YAMLError):
    """A YAML construct params files may not use; ``problem`` and ``problem_mark`` like PyYAML's."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class ParamsLoader(yaml.SafeLoader):
    """SafeLoader without aliases, non-finite floats, non-string keys or deep nesting."""

    def compose_document(self):  # noqa: ANN201
        node = super().compose_document()
        try:
            _expanded_size(node, {}, set())
        except RecursionError:
            raise ParamsYamlError("aliases nested too deeply", node.start_mark) from None
        return node

    def compose_node(self, parent, index):  # noqa: ANN001 (PyYAML's signature)
        depth = getattr(self, "_perfkit_depth", 0)
        if depth >= MAX_DEPTH:
            raise ParamsYamlError(f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
        self._perfkit_depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._perfkit_depth = depth

    def construct_yaml_float(self, node):  # noqa: ANN001
        value = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise ParamsYamlError(f"the number {node.value!r} is not finite; give a finite number", node.start_mark)
        return value

    def construct_yaml_int(self, node):  # noqa: ANN001
        try:
            value = super().construct_yaml_int(node)
        except ValueError:  # Python's 4,300-digit limit on int(str)
            value = None
        if value is None or value.bit_length() > MAX_INT_BITS:  # hex, octal, binary have no such limit
            raise ParamsYamlError(f"the number {node.value[:20]}... has {len(node.value)} characters; "
                                  f"whole numbers have at most {MAX_INT_DIGITS} digits", node.start_mark) from None
        return value

    def construct_mapping(self, node, deep=False):  # noqa: ANN001
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise ParamsYamlError(f"key {key!r:.40} is not a string; keys are names", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node: yaml.Node, memo: dict[int, int], active: set[int]) -> int:
    """Nodes in ``node`` with every alias expanded; ParamsYamlError past MAX_EXPANDED_NODES."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in active:
        raise ParamsYamlError("a recursive alias (a value that contains itself)", node.start_mark)
    active.add(key)
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        children = []
    total = 1
    for child in children:
        total += _expanded_size(child, memo, active)
        if total > MAX_EXPANDED_NODES:
            raise ParamsYamlError(
                f"aliases expand to more than {MAX_EXPANDED_NODES} values (an alias bomb?)", node.start_mark
            )
    active.discard(key)
    memo[key] = total
    return total


ParamsLoader.add_constructor("tag:yaml.org,2002:float", ParamsLoader.construct_yaml_float)
ParamsLoader.add_constructor("tag:yaml.org,2002:int", ParamsLoader.construct_yaml_int)


def load(text: str) -> Any:
    """One YAML document through ParamsLoader (raises yaml.YAMLError, ParamsYamlError included)."""
    return yaml.load(text, Loader=ParamsLoader)  # noqa: S506 (a SafeLoader subclass)
