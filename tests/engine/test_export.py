"""BIF / XMLBIF round trips through pyAgrum and pgmpy; pgmpy VE as a second oracle."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pyagrum as gum
import pytest
from engine_oracles import gum_inference, gum_network, gum_posterior

from nervepath.engine import FindingNode, HiddenNode, Network, infer, to_bif, to_xmlbif
from synthetic import random_case, random_network

TOLERANCE = 1e-9


def _dyadic_network() -> Network:
    """Parameters with few binary digits: every CPT entry is exact in float32, which is
    how pyAgrum 3.3's BIF reader stores numbers (0.12345678901234567 is read back as
    0.12345679104328156); its XMLBIF reader keeps float64."""
    hidden = (
        HiddenNode("disc_l4_l5", prior=0.125),
        HiddenNode("stenosis", prior=0.25),
        HiddenNode("l5_root", leak=0.0625, parents=((0, 0.75), (1, 0.5))),
        HiddenNode("peroneal", leak=0.125, parents=((2, 0.25),)),
    )
    findings = (
        FindingNode(
            "pain", ("absent", "present"), (0.875, 0.125), ((2, (0.25, 0.75)), (3, (0.5, 0.5)))
        ),
        FindingNode(
            "dorsiflexion",
            ("5", "4", "3", "2", "1", "0"),
            (0.875, 0.125, 0.0, 0.0, 0.0, 0.0),
            ((2, (0.25, 0.25, 0.25, 0.125, 0.125, 0.0)), (3, (0.5, 0.25, 0.125, 0.125, 0.0, 0.0))),
        ),
        FindingNode(
            "reflex",
            ("normal", "brisk", "reduced", "absent"),
            (0.75, 0.125, 0.125, 0.0),
            ((0, (0.5, 0.0, 0.25, 0.25)),),
        ),
    )
    return Network(hidden, findings)


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _gum_posteriors(path: str, network: Network, evidence: dict[int, int]) -> np.ndarray:
    return gum_posterior(gum_inference(gum.loadBN(path), network), network, evidence)


def _pgmpy_posteriors(model: object, network: Network, evidence: dict[int, int]) -> np.ndarray:
    from pgmpy.inference import VariableElimination

    engine = VariableElimination(model)
    named = {network.findings[f].name: network.findings[f].states[k] for f, k in evidence.items()}
    return np.array(
        [
            engine.query([node.name], evidence=named, show_progress=False).get_value(
                **{node.name: "present"}
            )
            for node in network.hidden
        ]
    )


def _pgmpy_model(path: str, *, xml: bool) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.readwrite import BIFReader, XMLBIFReader

        reader = XMLBIFReader(path) if xml else BIFReader(path)
        return reader.get_model()


def test_xmlbif_round_trip_through_pyagrum(tmp_path: Path) -> None:
    network = random_network(21, hidden=9, findings=14, max_parents=5)
    path = _write(tmp_path, "net.bifxml", to_xmlbif(network))
    rng = np.random.default_rng(0)
    for _ in range(10):
        evidence = random_case(network, rng, observed=8, abnormal=4)
        got = _gum_posteriors(path, network, evidence)
        assert np.abs(got - infer(network, evidence).marginals).max() <= TOLERANCE


def test_exported_tables_equal_tables_built_through_the_api(tmp_path: Path) -> None:
    network = random_network(8, hidden=6, findings=8, max_parents=4)
    loaded = gum.loadBN(_write(tmp_path, "net.bifxml", to_xmlbif(network)))
    built = gum_network(network)
    for node in [*network.hidden, *network.findings]:
        b = built.cpt(node.name)
        a = loaded.cpt(node.name).reorganize(list(b.names))
        assert np.abs(a.toarray() - b.toarray()).max() <= 1e-15


def test_bif_round_trip_through_pyagrum(tmp_path: Path) -> None:
    network = _dyadic_network()
    path = _write(tmp_path, "net.bif", to_bif(network))
    for evidence in ({0: 1, 1: 2}, {1: 4, 2: 0}, {0: 0, 2: 3}, {}):
        got = _gum_posteriors(path, network, evidence)
        assert np.abs(got - infer(network, evidence).marginals).max() <= TOLERANCE
    assert gum.loadBN(path).variable("dorsiflexion").labels() == ("5", "4", "3", "2", "1", "0")


@pytest.mark.parametrize("xml", [False, True])
def test_round_trip_through_pgmpy_and_variable_elimination(tmp_path: Path, xml: bool) -> None:
    """pgmpy's readers and its VariableElimination: a second, independent oracle."""
    network = random_network(13, hidden=7, findings=9, max_parents=4)
    text = to_xmlbif(network) if xml else to_bif(network)
    model = _pgmpy_model(_write(tmp_path, "net.xml" if xml else "net.bif", text), xml=xml)
    rng = np.random.default_rng(1)
    for _ in range(4):
        evidence = random_case(network, rng, observed=6, abnormal=3)
        got = _pgmpy_posteriors(model, network, evidence)
        assert np.abs(got - infer(network, evidence).marginals).max() <= TOLERANCE


def test_text_shape() -> None:
    network = _dyadic_network()
    bif = to_bif(network)
    assert "variable dorsiflexion {" in bif
    assert "type discrete [ 6 ] { 5, 4, 3, 2, 1, 0 };" in bif
    assert "probability ( l5_root | disc_l4_l5, stenosis ) {" in bif
    # P(l5_root absent | disc present, stenosis absent) = (1 − 1/16)(1 − 3/4)
    assert "  (present, absent) 0.234375, 0.765625;" in bif
    xml = to_xmlbif(network)
    assert xml.count("<VARIABLE") == 7
    assert "<GIVEN>disc_l4_l5</GIVEN>" in xml
