"""Shared fixtures: the tiny knowledge base and the shipped one; a PDF's first page as text."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
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


@pytest.fixture
def pdf_page_one(tmp_path: Path) -> Callable[[bytes], str]:
    """The text of a PDF's first page as pdftotext (poppler) reads it, spaces collapsed."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")

    def read(pdf: bytes) -> str:
        path = tmp_path / "page-one.pdf"
        path.write_bytes(pdf)
        command = ["pdftotext", "-f", "1", "-l", "1", str(path), "-"]
        text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        return re.sub(r"\s+", " ", text)

    return read
