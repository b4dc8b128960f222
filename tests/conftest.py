"""Shared fixtures: the tiny knowledge base and the shipped one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="session")
def tiny_kb() -> KnowledgeBase:
    return load_knowledge_base(FIXTURE_KB)


@pytest.fixture(scope="session")
def shipped_kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny knowledge base, to break on purpose."""
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, target)
    return target
