"""The ``pii`` generator: templates filled with fake PII, exact spans, look-alike negatives, payloads.

``fit`` (parent process) loads and checks the templates, assigns each template to the train or
test split, and, unless ``pool_size: 0``, fills per-locale pools of Faker values from seeds
derived from (seed, locale, provider). ``generate`` then makes sample ``index`` from its own
``random.Random`` only: which template, locale and payload, which pool entries, which persons. So a
sample depends on (seed, index) alone and the output is the same whatever ``--workers`` is.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from mlp_cli.augment.pii.payloads import ESCAPES, FORMATS, envelope
from mlp_cli.augment.pii.templates import (
    _LABEL,
    Slot,
    Template,
    TemplateSpec,
    compile_templates,
    declared_labels,
    check_locale,
    load_template_file,
)
from mlp_cli.augment.pii.values import (
    CONTEXT_WORDS,
    IDENTITY_PARTS,
    IDENTITY_PROVIDERS,
    LOOKALIKES,
    NATIVE_PROVIDERS,
    NEGATIVE_KINDS,
    make_identity,
)
from mlp_cli.augment.registry import Generator, Params, register_generator, suggest
from mlp_cli.errors import MlpError, RecipeError
from mlp_cli.runtime.seeding import derive_seed

# How often `unique: true` redraws a repeated value before it gives up with a clear error
# (Faker's own unique proxy raises a bare UniquenessException after 1,000 tries).
UNIQUE_TRIES = 100


def _weights(value: Any) -> Any:
    """``en_US`` or ``[en_US, de_DE]`` (equal weights) or ``{en_US: 3, de_DE: 1}``."""
    if isinstance(value, str):
        return {value: 1.0}
    if isinstance(value, list):
        return {str(v): 1.0 for v in value}
    return value


def _check_weights(value: dict[str, float], what: str) -> None:
    if not value:
        raise PydanticCustomError("weights", "give at least one {what}", {"what": what})
    for name, weight in value.items():
        if not weight > 0:
            raise PydanticCustomError("weights", "weight of {name!r} must be > 0 (got {w})", {"name": name, "w": weight})


class PiiParams(Params):
    labels: dict[str, str] = Field(
        default_factory=dict, description="provider -> entity label: overrides defaults, declares new labels"
    )
    template_files: list[str] = Field(
        default_factory=list, description="YAML (templates: list) or text files (one per line), relative to the recipe"
    )
    templates: list[TemplateSpec] = Field(
        default_factory=list,
        validate_default=True,
        description="inline templates: text, or {id, text, locales, split}",
    )
    locales: dict[str, float] = Field(
        default_factory=lambda: {"en_US": 1.0}, description="Faker locale(s): a name, a list, or {locale: weight}"
    )
    formats: dict[str, float] = Field(
        default_factory=lambda: {"plain": 1.0}, description="payloads: plain, json, xml, csv, log (a list or {format: weight})"
    )
    negative_share: float = Field(0.2, ge=0.0, le=1.0, description="share of samples from look-alike templates (no PII)")
    negative_kinds: list[str] | None = Field(None, description="only negative templates of these look-alike kinds")
    test_share: float = Field(0.2, ge=0.0, lt=1.0, description="share of templates held out as the test split")
    split_seed: int = Field(0, description="seed of the template split (independent of the run seed)")
    unique: bool = Field(True, description="no value repeats within one sample (two people get two names)")
    pool_size: int = Field(
        1000, ge=0, le=1_000_000, description="Faker values pooled per locale and provider; 0: call Faker per sample"
    )

    @model_validator(mode="wrap")
    @classmethod
    def _with_labels(cls, data: Any, handler: Any) -> Any:
        # Templates are checked against the labels this recipe declares (see templates.declared_labels).
        labels = data.get("labels") if isinstance(data, dict) else None
        token = declared_labels.set(labels if isinstance(labels, dict) else {})
        try:
            return handler(data)
        finally:
            declared_labels.reset(token)

    @field_validator("labels")
    @classmethod
    def _label_names(cls, value: dict[str, str]) -> dict[str, str]:
        for provider, label in value.items():
            if provider in LOOKALIKES:
                raise PydanticCustomError("label", "{p!r} is a look-alike (not PII): it takes no label", {"p": provider})
            if not _LABEL.fullmatch(label):
                raise PydanticCustomError(
                    "label", "label {label!r} of {p!r}: use UPPER_CASE letters, digits and _", {"label": label, "p": provider}
                )
        return value

    @field_validator("template_files", mode="before")
    @classmethod
    def _one_file(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("templates")
    @classmethod
    def _some_templates(cls, value: list, info: ValidationInfo) -> list:
        if not value and not info.data.get("template_files"):
            raise PydanticCustomError(
                "templates", "empty template list: give 'templates:' (inline) or 'template_files:' (YAML or text files)"
            )
        return value

    @field_validator("locales", "formats", mode="before")
    @classmethod
    def _coerce_weights(cls, value: Any) -> Any:
        return _weights(value)

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: dict[str, float]) -> dict[str, float]:
        _check_weights(value, "locale")
        for name in value:
            check_locale(name)
        return value

    @field_validator("formats")
    @classmethod
    def _known_formats(cls, value: dict[str, float]) -> dict[str, float]:
        _check_weights(value, "format")
        for name in value:
            if name not in FORMATS:
                raise PydanticCustomError(
                    "format",
                    "unknown payload format {name!r}{hint}; accepted: {accepted}",
                    {"name": name, "hint": suggest(name, list(FORMATS)), "accepted": ", ".join(FORMATS)},
                )
        return value

    @field_validator("negative_kinds")
    @classmethod
    def _known_kinds(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            if name not in NEGATIVE_KINDS:
                raise PydanticCustomError(
                    "kind",
                    "unknown look-alike kind {name!r}{hint}; accepted: {accepted}",
                    {"name": name, "hint": suggest(name, list(NEGATIVE_KINDS)), "accepted": ", ".join(NEGATIVE_KINDS)},
                )
        return value


def _cumulative(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    names = list(weights)
    return names, list(itertools.accumulate(weights[n] for n in names))


def _pick(rng: random.Random, names: list[str], cum: list[float]) -> str:
    if len(names) == 1:
        return names[0]
    return names[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _faker_value(value: Any) -> str:
    # Faker addresses span two lines; in messages and payload fields people write them on one.
    return str(value).replace("\n", ", ")


@register_generator
class PiiGenerator(Generator[PiiParams]):
    """Fake PII in templated text: exact spans, linked identities, look-alike negatives, payload formats."""

    name = "pii"
    family = "pii"
    Params = PiiParams

    def fit(self) -> None:
        """Load and check the templates, split them by template, and fill the Faker value pools."""
        params = self.params
        templates = compile_templates(
            list(params.templates), params.labels, "inline", [f"recipe templates[{i}]" for i in range(len(params.templates))]
        )
        for name in params.template_files:
            path = Path(name).expanduser()
            if not path.is_absolute():
                path = Path(self.context.recipe_dir) / path
            templates.extend(load_template_file(path, params.labels))
        seen: dict[str, str] = {}
        for t in templates:
            if t.id in seen:
                raise RecipeError(f"{t.where}: duplicate template id {t.id!r} (first at {seen[t.id]})")
            seen[t.id] = t.where
        self._splits = self._split(templates)
        allowed = set(params.negative_kinds) if params.negative_kinds is not None else None
        self._pools_for: dict[str, set[str]] = {}
        self._by_locale: dict[str, tuple[list[Template], list[Template]]] = {}
        for locale in params.locales:
            usable = [t for t in templates if t.locales is None or locale in t.locales]
            positives = [t for t in usable if t.has_pii]
            negatives = [t for t in usable if not t.has_pii and (allowed is None or set(t.kinds or [CONTEXT_WORDS]) <= allowed)]
            if params.negative_share < 1.0 and not positives:
                raise RecipeError(f"no template with PII for locale {locale!r}: add templates without 'locales:' or with {locale}")
            if params.negative_share > 0.0 and not negatives:
                raise RecipeError(
                    f"negative_share is {params.negative_share} but no look-alike template (no PII placeholder) "
                    f"serves locale {locale!r}" + (f" with kinds {sorted(allowed)}" if allowed is not None else "")
                    + "; add some or set negative_share: 0"
                )
            self._by_locale[locale] = (positives, negatives)
            needed = set()
            for t in positives + negatives:
                for p in t.providers:
                    if p in IDENTITY_PROVIDERS:
                        needed.update(IDENTITY_PARTS)
                    elif p not in NATIVE_PROVIDERS and p not in LOOKALIKES:
                        needed.add(p)
            self._pools_for[locale] = needed
        self._check_providers(templates)
        self._pools: dict[str, dict[str, list[str]]] = {}
        if params.pool_size > 0:
            self._fill_pools()
        self._locales = _cumulative(params.locales)
        self._formats = _cumulative(params.formats)
        self._fakers: dict[str, Any] = {}

    def _split(self, templates: list[Template]) -> dict[str, str]:
        """Template id -> train/test: a share of the templates (PII and negatives apart) goes to test."""
        splits = {t.id: t.split for t in templates if t.split is not None}
        for group in (True, False):
            free = sorted(
                (t.id for t in templates if t.split is None and t.has_pii is group),
                key=lambda tid: derive_seed(self.params.split_seed, "split", tid),
            )
            n_test = round(len(free) * self.params.test_share)
            if self.params.test_share > 0 and len(free) >= 2:
                n_test = min(max(n_test, 1), len(free) - 1)  # both sides get at least one shape
            for i, tid in enumerate(free):
                splits[tid] = "test" if i < n_test else "train"
        return splits

    def _check_providers(self, templates: list[Template]) -> None:
        """Every Faker provider must exist for its locales and work without arguments."""
        from faker import Faker

        for locale, providers in self._pools_for.items():
            fake = Faker(locale)
            for provider in sorted(providers):
                try:
                    getattr(fake, provider)()
                except Exception as exc:  # noqa: BLE001 - any failure means the provider is unusable here
                    user = next((t for t in templates if provider in t.providers), None)
                    where = f"{user.where}: " if user else ""
                    raise RecipeError(
                        f"{where}Faker provider {provider!r} does not work for locale {locale!r} "
                        f"without arguments ({type(exc).__name__}: {exc})"
                    ) from None

    def _fill_pools(self) -> None:
        from faker import Faker

        size = self.params.pool_size
        for locale, providers in self._pools_for.items():
            fake = Faker(locale)
            pools = {}
            for provider in sorted(providers):
                # Seeded per (seed, locale, provider): a pool does not depend on which others exist.
                fake.seed_instance(derive_seed(self.context.seed, "pii-pool", locale, provider))
                method = getattr(fake, provider)
                pools[provider] = [_faker_value(method()) for _ in range(size)]
            self._pools[locale] = pools

    def setup(self) -> None:
        """Per-process Faker instances, only when values come from Faker per sample (pool_size: 0)."""
        if self.params.pool_size == 0:
            from faker import Faker

            self._fakers = {locale: Faker(locale) for locale in self.params.locales}

    def generate(self, index: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
        """Sample ``index``: a template filled, rendered in a payload, with spans and look-alikes."""
        params = self.params
        negative = params.negative_share > 0.0 and (params.negative_share >= 1.0 or rng.random() < params.negative_share)
        locale = _pick(rng, *self._locales)
        template = rng.choice(self._by_locale[locale][negative])
        fmt = _pick(rng, *self._formats)
        fake = None
        if params.pool_size == 0:
            fake = self._fakers[locale]
            fake.seed_instance(rng.getrandbits(64))
        head, tail = envelope(fmt, rng)
        escape = ESCAPES[fmt]
        pieces = [head]
        at = len(head)
        spans: list[dict[str, Any]] = []
        lookalikes: list[dict[str, Any]] = []
        persons: dict[int, dict[str, str]] = {}
        used: dict[str, set[str]] = {}
        for part in template.parts:
            if isinstance(part, str):
                piece = escape(part)
            else:
                piece = escape(self._value(part, locale, rng, fake, persons, used, template))
                if part.kind is None:
                    spans.append({"start": at, "end": at + len(piece), "label": part.label, "value": piece})
                else:
                    lookalikes.append({"start": at, "end": at + len(piece), "kind": part.kind, "value": piece})
            pieces.append(piece)
            at += len(piece)
        pieces.append(tail)
        row = {
            "text": "".join(pieces),
            "spans": spans,
            "lookalikes": lookalikes,
            "has_pii": bool(spans),
            "template": template.id,
            "locale": locale,
            "format": fmt,
            "split": self._splits[template.id],
        }
        provenance: dict[str, Any] = {"template_at": template.where, "negative": negative}
        if negative:
            provenance["negative_kinds"] = template.kinds or [CONTEXT_WORDS]
        return row, provenance

    def _draw(self, provider: str, locale: str, rng: random.Random, fake: Any) -> str:
        if fake is None:
            pool = self._pools[locale][provider]
            return pool[rng.randrange(len(pool))]
        return _faker_value(getattr(fake, provider)())

    def _value(
        self,
        slot: Slot,
        locale: str,
        rng: random.Random,
        fake: Any,
        persons: dict[int, dict[str, str]],
        used: dict[str, set[str]],
        template: Template,
    ) -> str:
        provider = slot.provider
        if provider in IDENTITY_PROVIDERS:
            person = persons.get(slot.person)
            if person is None:
                person = self._person(locale, rng, fake, persons, template)
                persons[slot.person] = person
            return person[provider]
        taken = used.setdefault(provider, set())
        for _ in range(UNIQUE_TRIES):
            if provider in LOOKALIKES:
                value = LOOKALIKES[provider](rng)
            elif provider in NATIVE_PROVIDERS:
                value = NATIVE_PROVIDERS[provider](rng, locale)
            else:
                value = self._draw(provider, locale, rng, fake)
            if not self.params.unique or value not in taken:
                taken.add(value)
                return value
        raise MlpError(
            f"{template.where}: template {template.id!r} needs {len(taken) + 1} different values of {provider!r} "
            f"for locale {locale!r}, but {UNIQUE_TRIES} draws gave only {len(taken)}; raise pool_size, "
            "use fewer such placeholders, or set unique: false"
        )

    def _person(
        self, locale: str, rng: random.Random, fake: Any, persons: dict[int, dict[str, str]], template: Template
    ) -> dict[str, str]:
        names = {p["name"] for p in persons.values()}
        for _ in range(UNIQUE_TRIES):
            first = self._draw("first_name", locale, rng, fake)
            last = self._draw("last_name", locale, rng, fake)
            if not self.params.unique or f"{first} {last}" not in names:
                return make_identity(first, last, self._draw("free_email_domain", locale, rng, fake), rng)
        raise MlpError(
            f"{template.where}: template {template.id!r} needs {len(names) + 1} different people for locale "
            f"{locale!r}, but {UNIQUE_TRIES} draws found no new name; raise pool_size or set unique: false"
        )

    def collect(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """Counts over one chunk: samples, labels, look-alike kinds, formats, locales, splits, templates."""
        labels: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        templates: dict[str, set[str]] = {"train": set(), "test": set()}
        for row in rows:
            labels.update(s["label"] for s in row["spans"])
            kinds.update(s["kind"] for s in row["lookalikes"])
            if not row["has_pii"] and not row["lookalikes"]:
                kinds[CONTEXT_WORDS] += 1
            templates[row["split"]].add(row["template"])
        return {
            "samples": len(rows),
            "with_pii": sum(1 for r in rows if r["has_pii"]),
            "labels": labels,
            "lookalike_kinds": kinds,
            "formats": Counter(r["format"] for r in rows),
            "locales": Counter(r["locale"] for r in rows),
            "split": Counter(r["split"] for r in rows),
            "templates": templates,
        }

    def summary(self, partials: list[Any]) -> dict[str, Any]:
        """Run figures: counts per label, look-alike kind, format, locale and split; templates per split."""
        total: dict[str, Any] = {"samples": 0, "with_pii": 0}
        counters = {k: Counter() for k in ("labels", "lookalike_kinds", "formats", "locales", "split")}
        templates: dict[str, set[str]] = {"train": set(), "test": set()}
        for part in partials:
            total["samples"] += part["samples"]
            total["with_pii"] += part["with_pii"]
            for key, counter in counters.items():
                counter.update(part[key])
            for side in templates:
                templates[side] |= part["templates"][side]
        total["negatives"] = total["samples"] - total["with_pii"]
        total.update({k: dict(sorted(v.items())) for k, v in counters.items()})
        total["templates_used"] = {side: len(ids) for side, ids in templates.items()}
        total["templates_available"] = dict(sorted(Counter(self._splits.values()).items()))
        total["values"] = f"faker pools of {self.params.pool_size}" if self.params.pool_size else "faker per sample"
        return total
