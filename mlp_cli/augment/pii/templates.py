"""Templates: text with ``{{provider}}``, ``{{provider:LABEL}}`` or ``{{provider#2}}`` placeholders.

A template is parsed once (in the parent, at fit) into literal pieces and slots. Problems are
reported with the template's place: the recipe field (file:line via the recipe loader) for inline
templates, the templates file's own line and column for template files.
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from mlp_cli.augment.pii.values import DEFAULT_LABELS, FILLERS, IDENTITY_PROVIDERS, LOOKALIKES
from mlp_cli.augment.registry import suggest
from mlp_cli.errors import InputDataError, RecipeError
from mlp_cli.recipe.loader import collect_marks, explain, format_problems

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
_INSIDE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)(?:#([1-9][0-9]?))?(?::([A-Za-z_][A-Za-z0-9_]*))?\s*")
LABEL_PATTERN = re.compile(r"[A-Z][A-Z0-9_]*")


def invalid(kind: str, detail: str) -> PydanticCustomError:
    """A validation error whose message is ``detail`` verbatim (braces in it are not placeholders)."""
    return PydanticCustomError(kind, "{detail}", {"detail": detail})


# Provider -> label overrides of the recipe being validated (its `labels:`), seen by every template.
declared_labels: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("declared_labels", default=None)


@dataclass(frozen=True)
class Slot:
    """One placeholder: which provider, whose identity (person number), the label or look-alike kind."""

    provider: str
    person: int
    label: str | None  # entity label for PII; None for a look-alike
    kind: str | None  # look-alike kind; None for PII


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and slots, in order."""

    id: str
    text: str
    parts: tuple[str | Slot, ...]
    locales: tuple[str, ...] | None
    split: str | None
    where: str
    weight: float = 1.0  # relative chance of being drawn among the templates of its locale and kind

    @property
    def has_pii(self) -> bool:
        return any(isinstance(p, Slot) and p.kind is None for p in self.parts)

    @property
    def kinds(self) -> list[str]:
        """The look-alike kinds this template produces."""
        return sorted({p.kind for p in self.parts if isinstance(p, Slot) and p.kind is not None})

    @property
    def fillers(self) -> bool:
        """Whether the template has a filler placeholder ({{chatter}})."""
        return any(isinstance(p, Slot) and p.kind in FILLERS for p in self.parts)

    @property
    def providers(self) -> set[str]:
        return {p.provider for p in self.parts if isinstance(p, Slot)}


def _faker_providers() -> frozenset[str]:
    """Names of Faker's value providers (methods of provider objects, not of the generator)."""
    global _FAKER_PROVIDERS
    if _FAKER_PROVIDERS is None:
        from faker import Faker
        from faker.providers import BaseProvider

        fake = Faker("en_US")
        names = set()
        for name in dir(fake):
            if name.startswith("_"):
                continue
            try:
                attr = getattr(fake, name)
            except (AttributeError, TypeError, NotImplementedError):
                continue
            if callable(attr) and isinstance(getattr(attr, "__self__", None), BaseProvider):
                names.add(name)
        _FAKER_PROVIDERS = frozenset(names)
    return _FAKER_PROVIDERS


_FAKER_PROVIDERS: frozenset[str] | None = None


def check_locale(name: str) -> None:
    """A validation error unless Faker has locale ``name``."""
    from faker.config import AVAILABLE_LOCALES

    if name not in AVAILABLE_LOCALES:
        hint = suggest(name, list(AVAILABLE_LOCALES))
        raise invalid(
            "locale", f"unknown Faker locale {name!r}{hint}; e.g. en_US, en_GB, de_DE, fr_FR, es_ES, it_IT, nl_NL"
        )


def known_labels(labels: dict[str, str]) -> set[str]:
    return set(DEFAULT_LABELS.values()) | set(labels.values())


def parse_template(text: str, labels: dict[str, str]) -> tuple[list[str | Slot], list[tuple[int, str]]]:
    """Parts of ``text`` and the problems found, as (character offset, message)."""
    parts: list[str | Slot] = []
    problems: list[tuple[int, str]] = []
    at = 0
    for m in _PLACEHOLDER.finditer(text):
        literal = text[at : m.start()]
        _check_literal(literal, at, problems)
        if literal:
            parts.append(literal)
        at = m.end()
        slot = _parse_slot(m.group(1), m.start(), labels, problems)
        if slot is not None:
            parts.append(slot)
    tail = text[at:]
    _check_literal(tail, at, problems)
    if tail:
        parts.append(tail)
    return parts, problems


def _check_literal(literal: str, offset: int, problems: list[tuple[int, str]]) -> None:
    if "{{" in literal:
        problems.append((offset + literal.index("{{"), "unbalanced '{{': no closing '}}' after it"))
    elif "}}" in literal:
        problems.append((offset + literal.index("}}"), "unbalanced '}}': no opening '{{' before it"))


def _parse_slot(inside: str, offset: int, labels: dict[str, str], problems: list[tuple[int, str]]) -> Slot | None:
    m = _INSIDE.fullmatch(inside)
    if m is None:
        if "{{" in inside:
            problems.append((offset, "unbalanced '{{': no closing '}}' after it"))
        else:
            problems.append(
                (
                    offset,
                    f"bad placeholder {{{{{inside}}}}}: write {{{{provider}}}}, {{{{provider:LABEL}}}} or {{{{provider#2}}}}",
                )
            )
        return None
    provider, person, label = m.group(1), int(m.group(2) or 1), m.group(3)
    if provider in LOOKALIKES:
        if label is not None:
            problems.append((offset, f"{provider!r} is a look-alike (not PII): it takes no label"))
            return None
        return Slot(provider, person, None, provider)
    if provider not in DEFAULT_LABELS and provider not in labels and provider not in _faker_providers():
        names = sorted(set(DEFAULT_LABELS) | set(LOOKALIKES) | set(labels) | _faker_providers())
        problems.append(
            (
                offset,
                f"unknown provider {provider!r}{suggest(provider, names)}; see docs/pii.md for the providers and look-alikes",
            )
        )
        return None
    if person > 1 and provider not in IDENTITY_PROVIDERS:
        problems.append(
            (offset, f"'#{person}' picks a person; only {', '.join(sorted(IDENTITY_PROVIDERS))} belong to one")
        )
        return None
    if label is None:
        label = labels.get(provider) or DEFAULT_LABELS.get(provider)
        if label is None:
            problems.append(
                (
                    offset,
                    f"provider {provider!r} has no default label: write {{{{{provider}:LABEL}}}} or add it to 'labels:'",
                )
            )
            return None
    elif label not in known_labels(labels):
        names = sorted(known_labels(labels))
        problems.append(
            (
                offset,
                f"unknown label {label!r}{suggest(label, names)}; declare new labels in 'labels:' (provider: LABEL)",
            )
        )
        return None
    return Slot(provider, person, label, None)


class TemplateSpec(BaseModel):
    """One template as written in a recipe or a templates file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = Field(None, description="stable name (the split is per template id)")
    text: str = Field(description="text with {{provider}} / {{provider:LABEL}} / {{provider#2}} placeholders")
    locales: list[str] | None = Field(None, description="only for these locales (default: every locale)")
    split: Literal["train", "test"] | None = Field(None, description="pin this template to one side of the split")
    weight: float | None = Field(
        None, gt=0, allow_inf_nan=False, description="relative chance of being drawn (default: the file's weight, or 1)"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value

    @field_validator("locales", mode="before")
    @classmethod
    def _one_locale(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            check_locale(name)
        return value

    @field_validator("text")
    @classmethod
    def _parse(cls, text: str) -> str:
        if not text.strip():
            raise invalid("template", "empty template text")
        _, problems = parse_template(text, declared_labels.get() or {})
        if problems:
            offset, message = problems[0]
            raise invalid("template", f"{message} (at character {offset + 1})")
        return text


def compile_templates(
    specs: list[TemplateSpec], labels: dict[str, str], default_ids: list[str], where: list[str], weight: float = 1.0
) -> list[Template]:
    """Parse validated specs into Templates; a spec without an id gets its entry of ``default_ids``.

    A spec without a ``weight`` gets ``weight`` (a templates file's own ``weight:``, else 1).
    """
    out = []
    for spec, default_id, place in zip(specs, default_ids, where, strict=True):
        parts, problems = parse_template(spec.text, labels)
        assert not problems, problems  # the spec was validated with the same labels
        out.append(
            Template(
                id=spec.id or default_id,
                text=spec.text,
                parts=tuple(parts),
                locales=tuple(spec.locales) if spec.locales else None,
                split=spec.split,
                where=place,
                weight=spec.weight if spec.weight is not None else weight,
            )
        )
    return out


class TemplateFile(BaseModel):
    """A YAML templates file: ``version: 1`` and a ``templates:`` list."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    description: str | None = None
    weight: float = Field(
        1.0, gt=0, allow_inf_nan=False, description="relative chance of each template of this file (default 1)"
    )
    templates: list[TemplateSpec]


def load_template_file(path: Path, labels: dict[str, str]) -> list[Template]:
    """Templates from a YAML file (``templates:`` list) or a text file (one template per line).

    Problems raise RecipeError naming this file, its line and column; a missing file is InputDataError.
    """
    if not path.exists():
        raise InputDataError(f"{path}: templates file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputDataError(f"{path}: cannot read templates file: {exc}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        return _load_yaml_templates(path, text, labels)
    return _load_text_templates(path, text, labels)


def _load_text_templates(path: Path, text: str, labels: dict[str, str]) -> list[Template]:
    specs, where, problems = [], [], []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        _, found = parse_template(line, labels)
        for offset, message in found:
            problems.append(f"{path}:{lineno}:{offset + 1}: {message}")
        specs.append(TemplateSpec.model_construct(id=f"{path.stem}:{lineno}", text=line, locales=None, split=None))
        where.append(f"{path}:{lineno}")
    if problems:
        raise RecipeError(_joined(path, problems))
    if not specs:
        raise RecipeError(f"{path}:1:1: no templates in this file (one template per line; '#' starts a comment)")
    return compile_templates(specs, labels, [f"{path.stem}:{w.rsplit(':', 1)[1]}" for w in where], where)


def _load_yaml_templates(path: Path, text: str, labels: dict[str, str]) -> list[Template]:
    import yaml

    try:
        raw = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise RecipeError(f"{where}: YAML syntax error: {getattr(exc, 'problem', None) or exc}") from None
    marks: dict = {}
    if node is not None:
        collect_marks(node, (), marks)
    if not isinstance(raw, dict):
        raise RecipeError(f"{path}:1:1: a templates file is a mapping with 'templates:' (a list of templates)")
    token = declared_labels.set(labels)
    try:
        spec_file = TemplateFile.model_validate(raw)
    except ValidationError as exc:
        problems = [(tuple(e["loc"]), explain(TemplateFile, e)) for e in exc.errors()]
        raise RecipeError(format_problems(path, marks, problems), problems) from None
    finally:
        declared_labels.reset(token)
    if not spec_file.templates:
        raise RecipeError(
            format_problems(path, marks, [(("templates",), "empty template list: add at least one template")])
        )
    lines = [marks.get(("templates", i), (1, 1))[0] for i in range(len(spec_file.templates))]
    templates = compile_templates(
        spec_file.templates,
        labels,
        [f"{path.stem}:{n}" for n in lines],
        [f"{path}:{n}" for n in lines],
        spec_file.weight,
    )
    seen: dict[str, str] = {}
    for t in templates:
        if t.id in seen:
            raise RecipeError(f"{t.where}: duplicate template id {t.id!r} (first at {seen[t.id]})")
        seen[t.id] = t.where
    return templates


def _joined(path: Path, problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems in {path}:\n  " + "\n  ".join(problems)
