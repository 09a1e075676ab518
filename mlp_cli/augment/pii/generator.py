"""The ``pii`` generator: templates filled with fake PII, exact spans, look-alike negatives, payloads.

``fit`` (parent process) loads and checks the templates, assigns each template to the train or
test split, and works out how many samples each Faker value pool serves. ``generate`` then makes
sample ``index`` from its own ``random.Random`` only: which template, locale and payload, which pool
entries, which persons.

Faker values come from *block-refreshed pools*: the samples are cut, per (locale, provider), into
consecutive blocks of about ``pool_size * pool_reuse`` draws; the pool of block ``b`` holds
``pool_size`` values from a Faker seeded with ``derive_seed(seed, "pii-pool", locale, provider, b)``
and is made lazily by the worker that first needs it (a worker keeps the latest two blocks per
pool). So distinct values grow with the data set while Faker is called for about one pooled
placeholder in ``pool_reuse``, and a sample still depends on (seed, index) alone: the output is the
same whatever ``--workers`` is.
"""

from __future__ import annotations

import bisect
import itertools
import math
import os
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from mlp_cli.augment.pii.payloads import ESCAPES, FORMATS, envelope
from mlp_cli.augment.pii.templates import (
    LABEL_PATTERN,
    Slot,
    Template,
    TemplateSpec,
    check_locale,
    compile_templates,
    declared_labels,
    invalid,
    load_template_file,
)
from mlp_cli.augment.pii.values import (
    CONTEXT_WORDS,
    FILLERS,
    IDENTITY_PARTS,
    IDENTITY_PROVIDERS,
    LABEL_SCHEMES,
    LOOKALIKES,
    NATIVE_PROVIDERS,
    NEGATIVE_KINDS,
    everyday_words,
    make_identity,
)
from mlp_cli.augment.registry import Generator, Params, RunContext, register_generator, suggest
from mlp_cli.augment.synthetic.token_model import CorpusSpec, ModelSource, load_or_fit, read_corpus
from mlp_cli.augment.text.spans import SpanAwareParams
from mlp_cli.errors import InputDataError, MlpError, RecipeError
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
        raise invalid("weights", f"give at least one {what}")
    for name, weight in value.items():
        if not (math.isfinite(weight) and weight > 0):
            raise invalid("weights", f"weight of {name!r} must be a finite number > 0 (got {weight})")


class ContextSpec(Params):
    """Text from a token model of the user's corpus put before and/or after a share of the samples."""

    corpus: Any = Field(None, description="real texts to fit the token model on (as token-model's corpus:)")
    model: str | None = Field(None, description="saved token model (JSON), as for the token-model generator")
    share: float = Field(0.5, ge=0.0, le=1.0, description="share of PII samples that get sampled context")
    tokens: list[int] = Field(
        default_factory=lambda: [3, 12], min_length=2, max_length=2, description="[min, max] tokens per side"
    )
    order: int = Field(2, ge=1, le=6, description="Markov context length of the token model")


class NegativesSpec(Params):
    """Lines of a real, PII-free corpus mixed in as samples with no spans."""

    corpus: Any = Field(description="corpus (as token-model's corpus: path, format, field...)")
    share: float = Field(0.1, ge=0.0, le=1.0, description="share of all samples taken from the corpus")


class PiiParams(Params):
    label_scheme: str = Field(
        "custom",
        description="label names: custom (as declared), presidio, spacy (ORG/GPE/DATE...), conll (PER/ORG/LOC/MISC)",
    )
    address: str = Field("whole", description="whole: one span per {{address}}; parts: street and city spans")
    names: str = Field("full", description="full: one span per {{name}}; parts: first and last name spans")
    lower_share: float = Field(0.0, ge=0.0, le=1.0, description="share of samples written all lower-case")
    upper_share: float = Field(0.0, ge=0.0, le=1.0, description="share of samples written all upper-case")
    title_share: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="share of samples written in Title Case (every word capitalised, as headlines and chain texts are)",
    )
    middle_initial_share: float = Field(0.0, ge=0.0, le=1.0, description="share of full names with a middle initial")
    word_names: Literal["keep", "drop"] = Field(
        "keep",
        description="drop: no first or last name that is an everyday word (Love, May, Young, Bill), so a capitalised "
        "word is not taught as a name",
    )
    context: ContextSpec | None = Field(None, description="surround PII samples with text sampled from your corpus")
    negatives: NegativesSpec | None = Field(None, description="mix lines of a PII-free corpus in as negatives")
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
        default_factory=lambda: {"plain": 1.0},
        description="payloads: plain, json, xml, csv, log (a list or {format: weight})",
    )
    negative_share: float = Field(
        0.2, ge=0.0, le=1.0, description="share of samples from look-alike templates (no PII)"
    )
    negative_kinds: list[str] | None = Field(None, description="only negative templates of these look-alike kinds")
    test_share: float = Field(0.2, ge=0.0, lt=1.0, description="share of templates held out as the test split")
    split_seed: int = Field(0, description="seed of the template split (independent of the run seed)")
    unique: bool = Field(True, description="no value repeats within one sample (two people get two names)")
    pool_size: int = Field(
        200, ge=0, le=1_000_000, description="Faker values per pool (locale, provider, block); 0: call Faker per sample"
    )
    pool_reuse: int = Field(
        10,
        ge=1,
        le=1_000_000,
        description="draws per pooled value before a fresh pool takes over: Faker is called for ~1 pooled placeholder in this many",
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

    @field_validator("label_scheme")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value not in LABEL_SCHEMES:
            raise invalid(
                "label_scheme",
                f"unknown label_scheme {value!r}{suggest(value, list(LABEL_SCHEMES))}; accepted: {', '.join(LABEL_SCHEMES)}",
            )
        return value

    @field_validator("address", "names")
    @classmethod
    def _granularity(cls, value: str, info: ValidationInfo) -> str:
        accepted = ("whole", "parts") if info.field_name == "address" else ("full", "parts")
        if value not in accepted:
            raise invalid("granularity", f"{info.field_name}: {value!r} is not one of {', '.join(accepted)}")
        return value

    @field_validator("labels")
    @classmethod
    def _label_names(cls, value: dict[str, str]) -> dict[str, str]:
        for provider, label in value.items():
            if provider in LOOKALIKES:
                raise invalid("label", f"{provider!r} is a look-alike (not PII): it takes no label")
            if not LABEL_PATTERN.fullmatch(label):
                raise invalid("label", f"label {label!r} of {provider!r}: use UPPER_CASE letters, digits and _")
        return value

    @field_validator("template_files", mode="before")
    @classmethod
    def _one_file(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("templates")
    @classmethod
    def _some_templates(cls, value: list, info: ValidationInfo) -> list:
        if not value and not info.data.get("template_files"):
            raise invalid(
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
                hint = suggest(name, list(FORMATS))
                raise invalid("format", f"unknown payload format {name!r}{hint}; accepted: {', '.join(FORMATS)}")
        return value

    @field_validator("negative_kinds")
    @classmethod
    def _known_kinds(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            if name not in NEGATIVE_KINDS:
                hint = suggest(name, list(NEGATIVE_KINDS))
                raise invalid("kind", f"unknown look-alike kind {name!r}{hint}; accepted: {', '.join(NEGATIVE_KINDS)}")
        return value


def _cumulative(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    names = list(weights)
    return names, list(itertools.accumulate(weights[n] for n in names))


def _pick(rng: random.Random, names: list[str], cum: list[float]) -> str:
    if len(names) == 1:
        return names[0]
    return names[bisect.bisect_right(cum, rng.random() * cum[-1])]


def _template_weights(group: list[Template]) -> list[float] | None:
    """Cumulative template weights of a group, or None when all are equal (then a plain choice)."""
    if len({t.weight for t in group}) <= 1:
        return None
    return list(itertools.accumulate(t.weight for t in group))


def _pooled_draws(template: Template) -> Counter[str]:
    """How many values a sample of ``template`` draws from each Faker pool (identities: per person)."""
    draws: Counter[str] = Counter()
    persons: set[int] = set()
    for part in template.parts:
        if isinstance(part, str):
            continue
        if part.provider in IDENTITY_PROVIDERS:
            persons.add(part.person)
        elif part.provider not in NATIVE_PROVIDERS and part.provider not in LOOKALIKES:
            draws[part.provider] += 1
    if persons:  # one first name, last name and email domain per person
        draws.update({part: len(persons) for part in IDENTITY_PARTS})
    return draws


# A filler that starts the text or follows one of these starts a sentence: people often capitalise it.
_SENTENCE_END = (".", "!", "?", ":)", "\n")
SENTENCE_CAPITAL_SHARE = 0.6


def _sentence_case(parts: tuple[str | Slot, ...], values: list[str], rng: random.Random) -> None:
    """Capitalise a filler ({{chatter}}) that begins a sentence, in SENTENCE_CAPITAL_SHARE of cases.

    A filler in the middle of a sentence stays as drawn, so a capital there is no more common than
    in real chat; the draw is made for every filler, in order, so a sample depends on its index only.
    """
    for i, part in enumerate(parts):
        if isinstance(part, Slot) and part.kind in FILLERS:
            before = "".join(values[:i]).rstrip(" ")
            if rng.random() < SENTENCE_CAPITAL_SHARE and (not before or before.endswith(_SENTENCE_END)):
                values[i] = values[i][:1].upper() + values[i][1:]


_WORD_START = re.compile(r"(?<![\w'’])[^\W\d_]")


def title_case(text: str) -> str:
    """Every word's first letter capitalised, the rest as it is ("don't" stays "Don't", "iPhone" "IPhone")."""
    return _WORD_START.sub(lambda m: m.group().upper(), text)


def _faker_value(value: Any) -> str:
    # Faker addresses span two lines; in messages and payload fields people write them on one.
    return str(value).replace("\n", ", ")


@register_generator
class PiiGenerator(Generator[PiiParams]):
    """Fake PII in templated text: exact spans, linked identities, look-alike negatives, payload formats."""

    name = "pii"
    family = "pii"
    Params = PiiParams

    @classmethod
    def check_recipe(cls, params: PiiParams, loaded: Any, loc: tuple) -> None:
        """At `mlp recipe validate` time: template files (file:line), locales and providers, no ``steps:``.

        The same checks as ``fit`` (no pools are filled); problems point at this generator's fields.
        """
        problems: list[tuple[tuple, str]] = []
        model = loaded.model
        try:
            cls(params, RunContext(recipe_dir=str(loaded.base_dir), seed=model.seed)).check()
        except RecipeError as exc:
            problems.extend((loc + tuple(rel), message) for rel, message in exc.problems or [((), str(exc))])
        first_pii = next((i for i, g in enumerate(model.generate) if g.generator == cls.name), None)
        # Span-aware steps (text augmenters, noise-pad, evasion) keep spans exact; others would not.
        blind = [s.augmenter for s in model.steps if not isinstance(getattr(s, "_params", None), SpanAwareParams)]
        if blind and loc == ("generate", first_pii):  # said once, however many pii generators
            message = (
                f"steps would rewrite the text of the {cls.name!r} samples ({loaded.where(loc)}) and make their "
                f"spans inexact: {', '.join(blind)} does not keep spans; remove it (text augmenters, noise-pad and "
                "evasion keep spans exact), or generate, export, then augment the exported text"
            )
            problems.append((("steps",), message))
        if problems:
            raise RecipeError("invalid pii generator", problems)

    def fit(self) -> None:
        """Load and check the templates, split them by template, and plan the Faker value pools."""
        self.check()
        self._locales = _cumulative(self.params.locales)
        self._formats = _cumulative(self.params.formats)
        self._block_samples = self._plan_blocks()
        self._fakers: dict[str, Any] = {}
        self._recent: dict[tuple[str, str], list[tuple[int, list[str]]]] = {}
        self._scheme = LABEL_SCHEMES[self.params.label_scheme]
        self._template_cum = {
            locale: tuple(_template_weights(group) for group in groups) for locale, groups in self._by_locale.items()
        }
        self._context_model = None
        self._negative_lines: list[str] = []
        recipe_dir = Path(self.context.recipe_dir)
        if self.params.context is not None:
            spec = self.params.context
            corpus = CorpusSpec.model_validate(spec.corpus) if spec.corpus is not None else None
            source = ModelSource(corpus=corpus, model=spec.model, order=spec.order)
            self._context_model, _ = load_or_fit(source, recipe_dir)
        if self.params.negatives is not None:
            lines, _ = read_corpus(CorpusSpec.model_validate(self.params.negatives.corpus), recipe_dir)
            self._negative_lines = [" ".join(t.split()) for t in lines if t.strip()]

    def check(self) -> dict[str, Any]:
        """Load and check every template (files too) and split them; the plan's template counts.

        Raises RecipeError whose message names the file and line and whose ``problems`` point at
        this generator's fields (``("template_files", k)``, ``("templates", i)``, ``("locales",)``...).
        """
        params = self.params
        templates, places = self._load_templates()
        self._splits = self._split(templates)
        allowed = set(params.negative_kinds) if params.negative_kinds is not None else None
        self._pools_for: dict[str, set[str]] = {}
        self._by_locale: dict[str, tuple[list[Template], list[Template]]] = {}
        for locale in params.locales:
            usable = [t for t in templates if t.locales is None or locale in t.locales]
            positives = [t for t in usable if t.has_pii]
            negatives = [
                t for t in usable if not t.has_pii and (allowed is None or set(t.kinds or [CONTEXT_WORDS]) <= allowed)
            ]
            if params.negative_share < 1.0 and not positives:
                message = (
                    f"no template with PII for locale {locale!r}: add templates without 'locales:' or with {locale}"
                )
                raise RecipeError(message, [(("locales",), message)])
            if params.negative_share > 0.0 and not negatives:
                message = (
                    f"negative_share is {params.negative_share} but no look-alike template (no PII placeholder) "
                    f"serves locale {locale!r}"
                    + (f" with kinds {sorted(allowed)}" if allowed is not None else "")
                    + "; add some or set negative_share: 0"
                )
                raise RecipeError(message, [(("negative_share",), message)])
            self._by_locale[locale] = (positives, negatives)
            needed: set[str] = set()
            for t in positives + negatives:
                for p in t.providers:
                    if p in IDENTITY_PROVIDERS:
                        needed.update(IDENTITY_PARTS)
                    elif p not in NATIVE_PROVIDERS and p not in LOOKALIKES:
                        needed.add(p)
            self._pools_for[locale] = needed
        self._check_providers(templates, places)
        return {
            "templates": len(templates),
            "split": dict(sorted(Counter(self._splits.values()).items())),
            "per_locale": {
                locale: {"pii": len(pos), "negative": len(neg)} for locale, (pos, neg) in self._by_locale.items()
            },
        }

    def _load_templates(self) -> tuple[list[Template], list[tuple]]:
        """Inline and file templates, and the field each comes from (``("templates", i)``, ``("template_files", k)``).

        Every file is read, so one run reports the problems of all of them; ids must be unique overall.
        """
        params = self.params
        inline = [f"templates[{i}]" for i in range(len(params.templates))]
        templates = compile_templates(list(params.templates), params.labels, inline, [f"recipe {w}" for w in inline])
        places: list[tuple] = [("templates", i) for i in range(len(templates))]
        problems: list[tuple[tuple, str]] = []
        for k, name in enumerate(params.template_files):
            try:
                found = load_template_file(self._template_path(name), params.labels)
            except (RecipeError, InputDataError) as exc:
                problems.append((("template_files", k), str(exc)))
                continue
            except (OSError, ValueError) as exc:  # e.g. a NUL byte in the name
                problems.append((("template_files", k), f"{name!r}: cannot read templates file: {exc}"))
                continue
            templates.extend(found)
            places.extend([("template_files", k)] * len(found))
        if not problems:
            seen: dict[str, str] = {}
            for t, place in zip(templates, places, strict=True):
                if t.id in seen:
                    problems.append((place, f"{t.where}: duplicate template id {t.id!r} (first at {seen[t.id]})"))
                seen.setdefault(t.id, t.where)
        if problems:
            raise RecipeError("\n".join(message for _, message in problems), problems)
        return templates, places

    def _template_path(self, name: str) -> Path:
        try:
            path = Path(os.path.normpath(Path(name).expanduser()))
        except RuntimeError:  # ~user that does not exist: a plain relative name
            path = Path(os.path.normpath(name))
        if not path.is_absolute():
            path = Path(os.path.normpath(Path(self.context.recipe_dir) / path))
        return path

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

    def _check_providers(self, templates: list[Template], places: list[tuple]) -> None:
        """Every Faker provider must exist for its locales and work without arguments."""
        from faker import Faker

        for locale, providers in self._pools_for.items():
            fake = Faker(locale)
            for provider in sorted(providers):
                try:
                    getattr(fake, provider)()
                except Exception as exc:  # noqa: BLE001 - any failure means the provider is unusable here
                    at = next((i for i, t in enumerate(templates) if provider in t.providers), None)
                    where = f"{templates[at].where}: " if at is not None else ""
                    message = (
                        f"{where}Faker provider {provider!r} does not work for locale {locale!r} "
                        f"without arguments ({type(exc).__name__}: {exc})"
                    )
                    raise RecipeError(message, [(places[at] if at is not None else ("locales",), message)]) from None

    def _plan_blocks(self) -> dict[tuple[str, str], int]:
        """Samples per pool block for each (locale, provider): about ``pool_size * pool_reuse`` draws.

        From the draws a sample makes on average (locale weights, negative share, templates per
        locale, placeholders per template), so a provider in every template is refreshed every
        ~2,000 samples by default and a rare one rarely: Faker calls stay ~1/pool_reuse of the draws.
        """
        params = self.params
        draws_per_pool = params.pool_size * params.pool_reuse
        if draws_per_pool == 0:
            return {}
        total = sum(params.locales.values())
        shares = (1.0 - params.negative_share, params.negative_share)
        rates: Counter[tuple[str, str]] = Counter()
        for locale, groups in self._by_locale.items():
            for group, share in zip(groups, shares, strict=True):
                for template in group:
                    group_weight = sum(t.weight for t in group)
                    weight = params.locales[locale] / total * share * template.weight / group_weight
                    for provider, n in _pooled_draws(template).items():
                        rates[(locale, provider)] += weight * n  # type: ignore[assignment]  # float weights: typeshed types Counter values as int
        plan: dict[tuple[str, str], int] = {}
        for locale, providers in self._pools_for.items():
            for provider in providers:
                rate = rates[(locale, provider)]
                # rate 0: no sample draws it (e.g. only in negatives with negative_share: 0)
                plan[(locale, provider)] = max(1, math.ceil(draws_per_pool / rate)) if rate > 0 else 1 << 62
        return plan

    def setup(self) -> None:
        """Per-process state: Faker instances and pool blocks are made lazily, when a sample needs them."""
        self._fakers = {}
        self._recent = {}

    def _faker(self, locale: str) -> Any:
        fake = self._fakers.get(locale)
        if fake is None:
            from faker import Faker

            fake = self._fakers[locale] = Faker(locale)
        return fake

    def _pool(self, locale: str, provider: str, index: int) -> list[str]:
        """The pool of values sample ``index`` draws ``provider`` from (its block's, made on first use)."""
        key = (locale, provider)
        block = index // self._block_samples[key]
        recent = self._recent.get(key)
        if recent:
            if recent[0][0] == block:
                return recent[0][1]
            if len(recent) > 1 and recent[1][0] == block:
                return recent[1][1]
        fake = self._faker(locale)
        # Seeded per (seed, locale, provider, block): a pool depends neither on the worker nor on other pools.
        fake.seed_instance(derive_seed(self.context.seed, "pii-pool", locale, provider, block))
        method = getattr(fake, provider)
        pool = [_faker_value(method()) for _ in range(self.params.pool_size)]
        if self.params.word_names == "drop" and provider in ("first_name", "last_name"):
            words = everyday_words()
            pool = [v for v in pool if v.lower() not in words] or pool  # "Love", "May", "Young": not names here
        self._recent[key] = [(block, pool)] + (recent[:1] if recent else [])  # memory stays flat
        return pool

    def generate(self, index: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
        """Sample ``index``: a template filled, rendered in a payload, with spans and look-alikes."""
        params = self.params
        if self._negative_lines and rng.random() < params.negatives.share:  # type: ignore[union-attr]
            line = self._negative_lines[rng.randrange(len(self._negative_lines))]
            row = {
                "text": line,
                "spans": [],
                "lookalikes": [],
                "has_pii": False,
                "template": "corpus-negative",
                "locale": "",
                "format": "plain",
                "split": "test" if rng.random() < params.test_share else "train",
            }
            return row, {"negative": True, "negative_kinds": ["corpus"]}
        negative = params.negative_share > 0.0 and (
            params.negative_share >= 1.0 or rng.random() < params.negative_share
        )
        locale = _pick(rng, *self._locales)
        group = self._by_locale[locale][negative]
        weights = self._template_cum[locale][negative]
        # Equal weights: a plain choice (the draws of recipes written before `weight:` stay the same).
        template = (
            rng.choice(group) if weights is None else group[bisect.bisect_right(weights, rng.random() * weights[-1])]
        )
        fmt = _pick(rng, *self._formats)
        fake = None
        if params.pool_size == 0:
            fake = self._faker(locale)
            fake.seed_instance(rng.getrandbits(64))
        persons: dict[int, dict[str, str]] = {}
        used: dict[str, set[str]] = {}
        values = [
            part if isinstance(part, str) else self._value(part, locale, index, rng, fake, persons, used, template)
            for part in template.parts
        ]
        if template.fillers:
            _sentence_case(template.parts, values, rng)
        # The payload's metadata is drawn after the values: the message is the same in every format.
        head, tail = envelope(fmt, rng)
        escape = ESCAPES[fmt]
        parts: list[str | Slot] = list(template.parts)
        context_used = None
        if self._context_model is not None and not negative and rng.random() < params.context.share:  # type: ignore[union-attr]
            before, after = self._context_text(rng)
            parts = [before, *parts, after]
            values = [before, *values, after]
            context_used = [len(before), len(after)]
        pieces = [head]
        at = len(head)
        spans: list[dict[str, Any]] = []
        lookalikes: list[dict[str, Any]] = []
        scheme = self._scheme
        for part, value in zip(parts, values, strict=True):
            piece = escape(value)
            if isinstance(part, Slot):
                if part.kind is None:
                    label = scheme.get(part.label, part.label)  # type: ignore[arg-type]
                    sub = self._sub_spans(part, value, piece, persons)
                    if sub is None:
                        spans.append({"start": at, "end": at + len(piece), "label": label, "value": piece})
                    else:
                        for s0, s1, sub_label in sub:
                            spans.append(
                                {
                                    "start": at + s0,
                                    "end": at + s1,
                                    "label": scheme.get(sub_label, sub_label),
                                    "value": piece[s0:s1],
                                }
                            )
                elif part.kind not in FILLERS:
                    lookalikes.append({"start": at, "end": at + len(piece), "kind": part.kind, "value": piece})
            pieces.append(piece)
            at += len(piece)
        pieces.append(tail)
        text = "".join(pieces)
        case = None
        if params.lower_share or params.upper_share or params.title_share:
            u = rng.random()  # one draw for the three shares: recipes without title_share draw as before
            upper_to = params.lower_share + params.upper_share
            case = (
                "lower"
                if u < params.lower_share
                else "upper"
                if u < upper_to
                else "title"
                if u < upper_to + params.title_share
                else None
            )
            if case is not None:
                changed = text.lower() if case == "lower" else text.upper() if case == "upper" else title_case(text)
                if len(changed) == len(text):  # ß -> SS would move the offsets: leave such a sample as it is
                    text = changed
                    for item in (*spans, *lookalikes):
                        item["value"] = text[item["start"] : item["end"]]
                else:
                    case = None
        row = {
            "text": text,
            "spans": spans,
            "lookalikes": lookalikes,
            "has_pii": bool(spans),
            "template": template.id,
            "locale": locale,
            "format": fmt,
            "split": self._splits[template.id],
        }
        provenance: dict[str, Any] = {"template_at": template.where, "negative": negative}
        if case is not None:
            provenance["case"] = case
        if context_used is not None:
            provenance["context_chars"] = context_used
        if negative:
            provenance["negative_kinds"] = template.kinds or [CONTEXT_WORDS]
        return row, provenance

    def _context_text(self, rng: random.Random) -> tuple[str, str]:
        """Text before and after a sample, from the token model of the user's corpus (either may be empty)."""
        model = self._context_model
        low, high = self.params.context.tokens  # type: ignore[union-attr]
        sides = []
        for _ in range(2):
            n = rng.randint(low, high) if rng.random() < 0.7 else 0
            sides.append(model.join(model.sample_markov(rng, n, min(2, model.order))) if n else "")  # type: ignore[union-attr]
        before, after = sides
        return (before + " " if before else ""), (" " + after if after else "")

    def _sub_spans(
        self, slot: Slot, value: str, piece: str, persons: dict[int, dict[str, str]]
    ) -> list[tuple[int, int, str]] | None:
        """Offsets (in the escaped piece) of the parts of a name or address, when the recipe asks for parts."""
        if self.params.names == "parts" and slot.provider == "name":
            person = persons[slot.person]
            out = []
            at = 0
            for key in ("first_name", "last_name"):
                i = piece.find(person[key], at)
                if i < 0:
                    return None
                out.append((i, i + len(person[key]), slot.label))
                at = i + len(person[key])
            return out
        if self.params.address == "parts" and slot.provider == "address" and value == piece:
            out, at = [], 0
            for k, chunk in enumerate(value.split(", ")):
                if chunk:
                    out.append((at, at + len(chunk), "STREET_ADDRESS" if k == 0 else "CITY"))
                at += len(chunk) + 2
            return out
        return None

    def _draw(self, provider: str, locale: str, index: int, rng: random.Random, fake: Any) -> str:
        if fake is None:
            pool = self._pool(locale, provider, index)
            return pool[rng.randrange(len(pool))]
        value = _faker_value(getattr(fake, provider)())
        if self.params.word_names == "drop" and provider in ("first_name", "last_name"):
            for _ in range(UNIQUE_TRIES):  # as the pools do: an everyday word is no name here
                if value.lower() not in everyday_words():
                    break
                value = _faker_value(getattr(fake, provider)())
        return value

    def _value(
        self,
        slot: Slot,
        locale: str,
        index: int,
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
                person = self._person(locale, index, rng, fake, persons, template)
                persons[slot.person] = person
            return person[provider]
        taken = used.setdefault(provider, set())
        for _ in range(UNIQUE_TRIES):
            if provider in LOOKALIKES:
                value = LOOKALIKES[provider](rng)
            elif provider in NATIVE_PROVIDERS:
                value = NATIVE_PROVIDERS[provider](rng, locale)
            else:
                value = self._draw(provider, locale, index, rng, fake)
            if not self.params.unique or value not in taken:
                taken.add(value)
                return value
        raise MlpError(
            f"{template.where}: template {template.id!r} needs {len(taken) + 1} different values of {provider!r} "
            f"for locale {locale!r}, but {UNIQUE_TRIES} draws gave only {len(taken)}; raise pool_size, "
            "use fewer such placeholders, or set unique: false"
        )

    def _person(
        self,
        locale: str,
        index: int,
        rng: random.Random,
        fake: Any,
        persons: dict[int, dict[str, str]],
        template: Template,
    ) -> dict[str, str]:
        names = {(p["first_name"], p["last_name"]) for p in persons.values()}
        for _ in range(UNIQUE_TRIES):
            first = self._draw("first_name", locale, index, rng, fake)
            last = self._draw("last_name", locale, index, rng, fake)
            if not self.params.unique or (first, last) not in names:
                domain = self._draw("free_email_domain", locale, index, rng, fake)
                person = make_identity(first, last, domain, rng, locale)
                share = self.params.middle_initial_share
                if share and rng.random() < share and person["name"] == f"{first} {last}":
                    person["name"] = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
                return person
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
        counters: dict[str, Counter[str]] = {
            k: Counter() for k in ("labels", "lookalike_kinds", "formats", "locales", "split")
        }
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
        size, reuse = self.params.pool_size, self.params.pool_reuse
        total["values"] = (
            f"faker pools of {size} values, refreshed every {size * reuse:,} draws" if size else "faker per sample"
        )
        return total


def check_pii_templates(loaded: Any, seed: int | None = None) -> list[dict[str, Any]]:
    """Check the templates of every ``pii`` generator of a loaded augment recipe (no values made)."""
    context = RunContext(recipe_dir=str(loaded.base_dir), seed=seed if seed is not None else loaded.model.seed)
    return [PiiGenerator(g.params, context).check() for g in loaded.model.generate if g.generator == PiiGenerator.name]
