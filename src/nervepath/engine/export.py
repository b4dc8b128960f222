"""The network in standard Bayesian-network formats, every CPT written out in full.

``to_bif`` writes the Interchange Format of Cozman (1998, "BIF 0.15"), read by
pyAgrum, pgmpy, GeNIe/SMILE and Hugin; ``to_xmlbif`` its XML form ("XMLBIF 0.3",
Cozman 1998), read by pgmpy, pyAgrum and Weka. Variable names are the node names; a
hidden node has the states ``absent`` and ``present``, a finding its own states. The
noisy-OR and noisy-MAX tables are expanded (Henrion 1989; Díez 1993)::

    P(x = 0 | pa) = (1 − leak) ∏_i (1 − p_i)^pa_i
    P(Y = k | pa) = F(k) − F(k − 1),  F(k) = C_leak(k) ∏_i C_i(k)^pa_i

A finding with ``m`` parents has ``2^m`` rows (4096 for twelve parents). Numbers are
written in their shortest round-trip form, so a float64 reader loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt

from nervepath.engine.network import FindingNode, HiddenNode, Network

__all__ = ["cpt_rows", "to_bif", "to_xmlbif"]

HIDDEN_STATES = ("absent", "present")

FloatArray = npt.NDArray[np.float64]


def _configurations(m: int) -> npt.NDArray[np.float64]:
    """The ``2^m`` parent configurations, the *last* parent varying fastest."""
    return ((np.arange(1 << m)[:, None] >> np.arange(m)[::-1]) & 1).astype(np.float64)


def _hidden_table(node: HiddenNode) -> FloatArray:
    if node.is_root:
        p = float(node.prior or 0.0)
        return np.array([[1.0 - p, p]])
    links = np.array([p for _, p in node.parents])
    absent = (1.0 - node.leak) * np.prod(
        np.where(_configurations(len(links)) > 0, 1.0 - links, 1.0), axis=1
    )
    return np.stack([absent, 1.0 - absent], axis=1)


def _finding_table(node: FindingNode) -> FloatArray:
    configurations = _configurations(len(node.parents))
    cumulative = np.tile(np.cumsum(node.leak), (len(configurations), 1))
    for j, (_, q) in enumerate(node.parents):
        cumulative *= np.where(configurations[:, j : j + 1] > 0, np.cumsum(q), 1.0)
    cumulative[:, -1] = 1.0
    table = np.diff(cumulative, prepend=0.0, axis=1)
    return np.clip(table, 0.0, 1.0)


def cpt_rows(
    network: Network,
) -> Iterator[tuple[str, tuple[str, ...], tuple[str, ...], FloatArray]]:
    """``(name, states, parent names, table)`` for every node, hidden nodes first.

    ``table[r, s]`` is ``P(node = s | parents = configuration r)``, the configurations
    in binary counting order with the last parent varying fastest (0 = absent).
    """
    names = [node.name for node in network.hidden]
    for node in network.hidden:
        parents = tuple(names[p] for p, _ in node.parents)
        yield node.name, HIDDEN_STATES, parents, _hidden_table(node)
    for finding in network.findings:
        parents = tuple(names[p] for p, _ in finding.parents)
        yield finding.name, finding.states, parents, _finding_table(finding)


def _numbers(values: FloatArray) -> str:
    """Shortest round-trip decimal forms (Python's ``repr``), comma-free."""
    return " ".join(map(repr, values.ravel().tolist()))


def to_bif(network: Network, *, name: str = "nervepath") -> str:
    """The network in BIF 0.15 text."""
    lines = [f"network {name} {{", "}"]
    rows = list(cpt_rows(network))
    for variable, states, _, _ in rows:
        lines.append(f"variable {variable} {{")
        lines.append(f"  type discrete [ {len(states)} ] {{ {', '.join(states)} }};")
        lines.append("}")
    for variable, _, parents, table in rows:
        if not parents:
            lines.append(f"probability ( {variable} ) {{")
            lines.append("  table " + _numbers(table[0]).replace(" ", ", ") + ";")
        else:
            lines.append(f"probability ( {variable} | {', '.join(parents)} ) {{")
            configurations = _configurations(len(parents)).astype(int)
            for configuration, row in zip(configurations, table, strict=True):
                labels = ", ".join(HIDDEN_STATES[int(b)] for b in configuration)
                lines.append(f"  ({labels}) " + _numbers(row).replace(" ", ", ") + ";")
        lines.append("}")
    return "\n".join(lines) + "\n"


def to_xmlbif(network: Network, *, name: str = "nervepath") -> str:
    """The network in XMLBIF 0.3 (each table: parent rows, the last parent fastest)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<BIF VERSION="0.3">',
        "<NETWORK>",
        f"<NAME>{escape(name)}</NAME>",
    ]
    rows = list(cpt_rows(network))
    for variable, states, _, _ in rows:
        out.append('<VARIABLE TYPE="nature">')
        out.append(f"  <NAME>{escape(variable)}</NAME>")
        out.extend(f"  <OUTCOME>{escape(s)}</OUTCOME>" for s in states)
        out.append("</VARIABLE>")
    for variable, _, parents, table in rows:
        out.append("<DEFINITION>")
        out.append(f"  <FOR>{escape(variable)}</FOR>")
        out.extend(f"  <GIVEN>{escape(p)}</GIVEN>" for p in parents)
        out.append("  <TABLE>" + _numbers(table) + "</TABLE>")
        out.append("</DEFINITION>")
    out.extend(["</NETWORK>", "</BIF>"])
    return "\n".join(out) + "\n"
