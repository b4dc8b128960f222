"""The inference engine: exact posteriors, explanations and next questions (pure, no I/O)."""

from nervepath.engine.causation import probabilities_causing
from nervepath.engine.compiled import CompiledNetwork, compile_network
from nervepath.engine.evidence import Evidence
from nervepath.engine.explain import Explanation, FindingContribution, explain
from nervepath.engine.export import to_bif, to_xmlbif
from nervepath.engine.inference import (
    ImpossibleEvidenceError,
    Posterior,
    infer,
    probabilities_all_absent,
    probability_all_absent,
)
from nervepath.engine.network import FindingNode, HiddenNode, Network, NetworkError
from nervepath.engine.questions import QuestionScore, rank_questions, should_stop

__all__ = [
    "CompiledNetwork",
    "Evidence",
    "Explanation",
    "FindingContribution",
    "FindingNode",
    "HiddenNode",
    "ImpossibleEvidenceError",
    "Network",
    "NetworkError",
    "Posterior",
    "QuestionScore",
    "compile_network",
    "explain",
    "infer",
    "probabilities_all_absent",
    "probabilities_causing",
    "probability_all_absent",
    "rank_questions",
    "should_stop",
    "to_bif",
    "to_xmlbif",
]
