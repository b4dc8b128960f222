"""nervepath: trace foot and leg symptoms back along the nerves to where they start.

``import nervepath`` stays light: the knowledge base and the engine load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from nervepath.assessment.service import Assessment

__all__ = ["__version__", "assess", "load_knowledge_base"]


def assess(case: Any) -> Assessment:
    """Assess a case (a mapping like the case JSON) on the shipped knowledge base."""
    from nervepath.assessment.service import assess as _assess

    return _assess(case)


def load_knowledge_base(root: Any = None) -> Any:
    """Load and check a knowledge base (the shipped one by default)."""
    from nervepath.knowledge.model import load_knowledge_base as _load

    return _load(root)
