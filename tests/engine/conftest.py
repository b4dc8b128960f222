"""Fixtures for the engine tests: the realistic synthetic network and its oracles."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

# pyAgrum's SWIG module warns (DeprecationWarning) while it initialises; under the
# project's "warnings are errors" filter that aborts its C initialisation and the
# interpreter segfaults. Import it once here with that warning silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import pyagrum as gum

sys.path.insert(0, str(Path(__file__).parent))

from engine_oracles import gum_inference

from nervepath.engine import CompiledNetwork, Network, compile_network, to_xmlbif
from synthetic import realistic_network


@pytest.fixture(scope="session")
def realistic() -> Network:
    return realistic_network(seed=0)


@pytest.fixture(scope="session")
def realistic_compiled(realistic: Network) -> CompiledNetwork:
    return compile_network(realistic)


@pytest.fixture(scope="session")
def realistic_gum(
    realistic: Network, tmp_path_factory: pytest.TempPathFactory
) -> gum.LazyPropagation:
    """pyAgrum's LazyPropagation on the realistic network (loaded from its XMLBIF)."""
    path = tmp_path_factory.mktemp("bn") / "realistic.bifxml"
    path.write_text(to_xmlbif(realistic))
    return gum_inference(gum.loadBN(str(path)), realistic)
