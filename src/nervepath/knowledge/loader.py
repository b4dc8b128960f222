"""Read the YAML knowledge base, validate every entry, and report all problems at once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from nervepath.errors import KnowledgeBaseError
from nervepath.knowledge import schema, strict_yaml

__all__ = ["RawKnowledgeBase", "default_data_dir", "read_knowledge_base"]

M = TypeVar("M", bound=BaseModel)

# (folder or file, top-level key, model): a folder holds any number of YAML files.
_ANATOMY = ("roots", "nerves", "regions", "muscles", "movements", "reflexes")
_LISTS: tuple[tuple[str, str, type[BaseModel]], ...] = (
    ("sites", "sites", schema.Site),
    ("causes", "causes", schema.Cause),
    ("findings", "findings", schema.Finding),
    ("links", "links", schema.Link),
)


def default_data_dir() -> Traversable:
    """The knowledge base shipped inside the package."""
    return resources.files("nervepath.knowledge") / "data"


@dataclass(frozen=True)
class RawKnowledgeBase:
    """Validated entries, each remembered with the file it came from (for error messages)."""

    manifest: schema.Manifest
    references: tuple[schema.Reference, ...]
    anatomy: schema.Anatomy
    sites: tuple[schema.Site, ...]
    causes: tuple[schema.Cause, ...]
    findings: tuple[schema.Finding, ...]
    links: tuple[schema.Link, ...]
    derivation: schema.Derivation
    origin: dict[int, str]  # id(entry) -> "file › entry"
    content_hash: str
    triage: schema.TriageBook
    recommendations: schema.RecommendationBook
    patient: schema.PatientBook
    likelihood_ratios: tuple[schema.LikelihoodRatio, ...] = ()

    def where(self, entry: object) -> str:
        return self.origin.get(id(entry), "?")


class _Reader:
    """Collects problems while reading so that one run reports every one of them."""

    def __init__(self, root: Traversable) -> None:
        self.root = root
        self.problems: list[str] = []
        self.origin: dict[int, str] = {}
        self.digest = hashlib.sha256()

    def files(self, folder: str) -> Iterator[tuple[str, Traversable]]:
        directory = self.root / folder
        if not directory.is_dir():
            self.problems.append(f"{folder}/: found no folder, expected YAML files here")
            return
        for item in sorted(directory.iterdir(), key=lambda t: t.name):
            if item.name.endswith(".yaml"):
                yield f"{folder}/{item.name}", item

    def document(self, name: str, item: Traversable) -> Any:
        try:
            raw = item.read_bytes()
        except OSError as exc:
            self.problems.append(f"{name}: found no readable file ({exc.strerror}), expected YAML")
            return None
        self.digest.update(name.encode() + b"\0" + raw + b"\0")
        try:
            return strict_yaml.load(raw)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            if isinstance(exc, strict_yaml.DuplicateKeyError):
                self.problems.append(f"{name}: {exc.problem}{at}, expected each key once")
            else:
                self.problems.append(f"{name}: found malformed YAML{at}, expected a mapping")
            return None

    def entries(self, name: str, item: Traversable, key: str, model: type[M]) -> list[M]:
        data = self.document(name, item)
        if data is None:
            return []
        return self.listed(name, data, key, model)

    def listed(self, name: str, data: Any, key: str, model: type[M]) -> list[M]:
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            self.problems.append(f"{name}: found no '{key}:' list, expected '{key}:' at the top")
            return []
        out: list[M] = []
        for position, raw in enumerate(data[key]):
            label = raw.get("id") if isinstance(raw, dict) else None
            if label is None and isinstance(raw, dict) and "finding" in raw:
                head = raw.get("parent", raw.get("target"))  # a link, or a likelihood ratio
                label = f"{head} → {raw.get('finding')}"
            if label is None and isinstance(raw, dict):
                label = raw.get("site")  # a site's plain words (patient.yaml)
            where = f"{name} › {label or f'entry {position + 1}'}"
            entry = self.validate(where, model, raw)
            if entry is not None:
                self.origin[id(entry)] = where
                out.append(entry)
        return out

    def validate(self, where: str, model: type[M], raw: Any) -> M | None:
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            self.problems.extend(f"{where} › {_describe(error, model)}" for error in exc.errors())
            return None

    def required(self, name: str) -> Any:
        """The parsed content of a file that must exist (``None`` after a problem)."""
        item = self.root / name
        if not item.is_file():
            self.problems.append(f"{name}: found no file, expected one")
            return None
        return self.document(name, item)

    def single(self, name: str, model: type[M]) -> M | None:
        data = self.required(name)
        if data is None:
            return None
        entry = self.validate(name, model, data)
        if entry is not None:
            self.origin[id(entry)] = name
        return entry

    def book(self, name: str, model: type[M]) -> M | None:
        """A file with several top-level keys; list entries are validated one by one.

        Each list field of ``model`` is read with ``listed`` (so a problem names the entry,
        ``triage.yaml › ces_saddle_anaesthesia › when…``); other fields are validated whole.
        """
        data = self.required(name)
        if data is None:
            return None
        if not isinstance(data, dict):
            self.problems.append(f"{name}: found {type(data).__name__}, expected a mapping")
            return None
        fields = model.model_fields
        for key in sorted(set(data) - set(fields)):
            self.problems.append(
                f"{name} › {key}: found an unknown key, expected one of {', '.join(fields)}"
            )
        parts: dict[str, Any] = {}
        complete = True
        for key, info in fields.items():
            annotation: Any = info.annotation
            item_model = _list_model(annotation)
            if item_model is not None:
                before = len(self.problems)
                parts[key] = self.listed(name, data, key, item_model)
                complete &= len(self.problems) == before
            elif key not in data:
                if info.is_required():
                    self.problems.append(f"{name} › {key}: found nothing, expected a value")
                    complete = False
            else:
                where = f"{name} › {key}"
                try:
                    parts[key] = TypeAdapter(annotation).validate_python(data[key])
                except ValidationError as exc:
                    self.problems.extend(f"{where} › {_describe(e, model)}" for e in exc.errors())
                    complete = False
                else:
                    self.origin[id(parts[key])] = where
        if not complete:
            return None
        entry = model.model_construct(**parts)
        self.origin[id(entry)] = name
        return entry


def _list_model(annotation: Any) -> type[BaseModel] | None:
    """``list[Rule]`` → ``Rule``; anything else → None."""
    if getattr(annotation, "__origin__", None) is not list:
        return None
    (item,) = annotation.__args__
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def _describe(error: Any, model: type[BaseModel]) -> str:
    """One pydantic error as ``field: found …, expected …``."""
    # Discriminated-union tags ("<any_of>") are not fields: leave them out of the path.
    parts = [str(part) for part in error["loc"] if not str(part).startswith("<")]
    field = ".".join(parts) or "(entry)"
    kind = error["type"]
    if kind == "extra_forbidden":
        return (
            f"{field}: found an unknown key, expected one of the known fields of {model.__name__}"
        )
    if kind == "missing":
        return f"{field}: found nothing, expected a value"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    found = error.get("input")
    shown = repr(found) if not isinstance(found, dict | list) else type(found).__name__
    return f"{field}: found {shown}, expected {message[0].lower()}{message[1:]}"


def read_knowledge_base(root: Traversable | Path | None = None) -> RawKnowledgeBase:
    """Read and validate every file; raise ``KnowledgeBaseError`` listing all problems."""
    reader = _Reader(default_data_dir() if root is None else root)
    manifest = reader.single("manifest.yaml", schema.Manifest)
    references_item = reader.root / "references.yaml"
    references = (
        reader.entries("references.yaml", references_item, "references", schema.Reference)
        if references_item.is_file()
        else []
    )
    if not references_item.is_file():
        reader.problems.append("references.yaml: found no file, expected one")
    anatomy_parts: dict[str, list[BaseModel]] = {}
    anatomy_models = {name: schema.Anatomy.model_fields[name].annotation for name in _ANATOMY}
    for part in _ANATOMY:
        item = reader.root / "anatomy" / f"{part}.yaml"
        model = _item_model(anatomy_models[part])
        if item.is_file():
            anatomy_parts[part] = list(reader.entries(f"anatomy/{part}.yaml", item, part, model))
        else:
            reader.problems.append(f"anatomy/{part}.yaml: found no file, expected one")
            anatomy_parts[part] = []
    lists: dict[str, list[BaseModel]] = {}
    for folder, key, model in _LISTS:
        lists[key] = [e for n, i in reader.files(folder) for e in reader.entries(n, i, key, model)]
    derivation = reader.single("derivation.yaml", schema.Derivation)
    ratios_item = reader.root / "likelihood_ratios.yaml"  # optional: published LRs to reproduce
    ratios = (
        reader.entries(
            "likelihood_ratios.yaml", ratios_item, "likelihood_ratios", schema.LikelihoodRatio
        )
        if ratios_item.is_file()
        else []
    )
    triage = reader.book("triage.yaml", schema.TriageBook)
    recommendations = reader.book("recommendations.yaml", schema.RecommendationBook)
    patient = reader.book("patient.yaml", schema.PatientBook)
    if (
        reader.problems
        or manifest is None
        or derivation is None
        or triage is None
        or recommendations is None
        or patient is None
    ):
        raise KnowledgeBaseError(reader.problems)
    return RawKnowledgeBase(
        manifest=manifest,
        references=tuple(references),
        anatomy=schema.Anatomy.model_construct(**anatomy_parts),  # type: ignore[arg-type]
        sites=tuple(lists["sites"]),  # type: ignore[arg-type]
        causes=tuple(lists["causes"]),  # type: ignore[arg-type]
        findings=tuple(lists["findings"]),  # type: ignore[arg-type]
        links=tuple(lists["links"]),  # type: ignore[arg-type]
        derivation=derivation,
        origin=reader.origin,
        content_hash=reader.digest.hexdigest(),
        triage=triage,
        recommendations=recommendations,
        patient=patient,
        likelihood_ratios=tuple(ratios),
    )


def _item_model(annotation: Any) -> type[BaseModel]:
    """``list[Root]`` → ``Root``."""
    (item,) = annotation.__args__
    return item  # type: ignore[no-any-return]
