"""Exports of labelled PII samples: token-level BIO tags (JSONL), CoNLL, or JSONL with spans,
one file per split (train/test), so a detector is trained and tested on disjoint templates.

Reads the JSONL that ``mlp augment`` wrote (or any JSONL with ``text`` and ``spans``); rows whose
spans are not exact follow the ``on_error`` policy like every other bad input row.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal

from mlp_cli.errors import BadItem, InputDataError, UsageError
from mlp_cli.io.atomic import atomic_dir
from mlp_cli.io.manifest import RunReport, manifest_path_for
from mlp_cli.io.rows import iter_rows
from mlp_cli.recipe.base import DataSource
from mlp_cli.runtime.options import Progress, RunOptions
from mlp_cli.runtime.run import Run

ExportFormat = Literal["bio", "conll", "spans", "hf", "spacy"]
EXPORT_FORMATS = ("bio", "conll", "spans", "hf", "spacy")
# hf: Hugging Face token-classification rows (tokens, ner_tags ids; label names in the manifest);
# spacy: spaCy's JSON training format (docs > paragraphs > sentences > tokens with BILUO ner tags).
_SUFFIX = {"bio": ".bio.jsonl", "conll": ".conll", "spans": ".jsonl", "hf": ".hf.jsonl", "spacy": ".spacy.json"}


def biluo(tags: list[str]) -> list[str]:
    """BIO tags as spaCy's BILUO: a one-token entity is U-, an entity's last token L-."""
    out = []
    for i, tag in enumerate(tags):
        nxt = tags[i + 1] if i + 1 < len(tags) else "O"
        ends = not (nxt.startswith("I-") and nxt[2:] == tag[2:])
        if tag.startswith("B-"):
            out.append(("U-" if ends else "B-") + tag[2:])
        elif tag.startswith("I-"):
            out.append(("L-" if ends else "I-") + tag[2:])
        else:
            out.append("O")
    return out


# Payload escapes (JSON \n, \u00e9; XML &amp;) are one token each, then words and single
# punctuation marks: "jane.roe@x.com" -> jane . roe @ x . com.
_TOKEN = re.compile(r"\\u[0-9a-fA-F]{4}|\\.|&(?:amp|lt|gt|quot|apos);|\w+|[^\w\s]")


def tokenize(text: str, cuts: list[int] | tuple[int, ...] = ()) -> list[tuple[str, int, int]]:
    """(token, start, end) for every word and punctuation mark of ``text``.

    ``cuts`` are offsets where a token must end (span edges), so that no token straddles a span
    boundary even where the payload glues a value to its neighbour.
    """
    edges = sorted({0, len(text), *(c for c in cuts if 0 < c < len(text))})
    tokens: list[tuple[str, int, int]] = []
    for lo, hi in itertools.pairwise(edges):
        tokens.extend((m.group(), lo + m.start(), lo + m.end()) for m in _TOKEN.finditer(text[lo:hi]))
    return tokens


def bio_tags(tokens: list[tuple[str, int, int]], spans: list[dict[str, Any]]) -> list[str]:
    """B-LABEL on a span's first token, I-LABEL on the rest, O elsewhere (first span wins an overlap)."""
    tags = ["O"] * len(tokens)
    for span in sorted(spans, key=lambda s: (s["start"], s["end"])):
        inside = False
        for i, (_tok, start, end) in enumerate(tokens):
            if start < span["end"] and end > span["start"] and tags[i] == "O":
                tags[i] = ("I-" if inside else "B-") + span["label"]
                inside = True
    return tags


def check_sample(row: dict[str, Any]) -> str | None:
    """Why ``row`` is not a labelled sample (no text, malformed or inexact span), or None."""
    text = row.get("text")
    if not isinstance(text, str):
        return "field 'text' is missing or not text"
    spans = row.get("spans")
    if not isinstance(spans, list):
        return "field 'spans' is missing or not a list"
    for n, span in enumerate(spans):
        if not isinstance(span, dict):
            return f"spans[{n}] is not an object"
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
            return f"spans[{n}] has start/end outside the text ({start!r}, {end!r})"
        if not isinstance(label, str) or not label:
            return f"spans[{n}] has no label"
        if "value" in span and text[start:end] != span["value"]:
            return f"spans[{n}] is not exact: text[{start}:{end}] is {text[start:end]!r}, value is {span['value']!r}"
    return None


def export_samples(
    input_path: Path,
    out_dir: Path,
    to: ExportFormat = "conll",
    *,
    overwrite: bool = False,
    on_error: Literal["fail", "skip"] = "fail",
    limit: int | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Write ``out_dir/<split><suffix>`` for every split found (rows without ``split`` go to ``all``)."""
    if to not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {to!r}; accepted: {', '.join(EXPORT_FORMATS)}")
    options = RunOptions(input=Path(input_path), out=Path(out_dir), limit=limit, overwrite=overwrite, on_error=on_error)
    run = Run("synth export", None, options, progress, workers=1, on_error=on_error)
    input_path = run.input(Path(input_path))
    out_dir = run.output(Path(out_dir), folder=True)
    report = run.report
    counts: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    tokens_total = entity_tokens = 0
    source = DataSource(path=str(input_path), format="jsonl").row_source(input_path)
    run.progress.start(None, f"export {to} → {out_dir.name}")
    buffered: dict[str, list[Any]] = {}  # hf and spacy: written at the end (label ids / one JSON array)
    with atomic_dir(out_dir, overwrite) as tmp, ExitStack() as files:
        handles: dict[str, Any] = {}
        for item in iter_rows(source):
            if limit is not None and report.items_in >= limit:
                break
            report.items_in += 1
            problem: str | None
            if isinstance(item, BadItem):
                run.bad(item, skip_how="pass --on-error skip")
                continue
            location = item.location
            problem = check_sample(item.data)
            if problem is not None:
                run.bad(BadItem("bad sample", problem, location), skip_how="pass --on-error skip")
                continue
            row = item.data
            split = str(row.get("split") or "all")
            if not re.fullmatch(r"[A-Za-z0-9_-]+", split):
                raise InputDataError(f"{location}: split {split!r} cannot name a file (letters, digits, - and _ only)")
            if split not in handles:
                handles[split] = files.enter_context(open(tmp / f"{split}{_SUFFIX[to]}", "w", encoding="utf-8"))
            out = handles[split]
            labels.update(s["label"] for s in row["spans"])
            if to == "spans":
                keep = {k: v for k, v in row.items() if not k.startswith("_")}
                out.write(json.dumps(keep, ensure_ascii=False, separators=(",", ":")) + "\n")
            else:
                toks = tokenize(row["text"], [e for sp in row["spans"] for e in (sp["start"], sp["end"])])
                tags = bio_tags(toks, row["spans"])
                tokens_total += len(toks)
                entity_tokens += sum(1 for t in tags if t != "O")
                if to in ("hf", "spacy"):
                    buffered.setdefault(split, []).append(([t[0] for t in toks], tags, row["text"]))
                elif to == "bio":
                    record = {"tokens": [t[0] for t in toks], "tags": tags}
                    record.update({k: row[k] for k in ("template", "locale", "format", "split", "has_pii") if k in row})
                    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
                else:
                    out.write("".join(f"{tok} {tag}\n" for (tok, _s, _e), tag in zip(toks, tags, strict=True)) + "\n")
            counts[split] += 1
            report.items_out += 1
            run.progress.advance()
        if not report.items_out:
            raise InputDataError(f"{input_path}: no labelled sample to export ({report.items_in} rows read)")
        label_names: list[str] = []
        if to == "hf":
            entity = sorted({t[2:] for docs in buffered.values() for _w, tags, _t in docs for t in tags if t != "O"})
            label_names = ["O"] + [f"{p}-{e}" for e in entity for p in ("B", "I")]
            ids = {name: i for i, name in enumerate(label_names)}
            for split, docs in buffered.items():
                for n, (words, tags, _text) in enumerate(docs):
                    record = {"id": f"{split}-{n}", "tokens": words, "ner_tags": [ids[t] for t in tags]}
                    handles[split].write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        elif to == "spacy":
            for split, docs in buffered.items():
                data = [
                    {
                        "id": n,
                        "paragraphs": [
                            {
                                "raw": text,
                                "sentences": [
                                    {
                                        "tokens": [
                                            {"id": i, "orth": w, "ner": tag}
                                            for i, (w, tag) in enumerate(zip(words, biluo(tags), strict=True))
                                        ]
                                    }
                                ],
                            }
                        ],
                    }
                    for n, (words, tags, text) in enumerate(docs)
                ]
                json.dump(data, handles[split], ensure_ascii=False)
        report.extra = {"to": to, "splits": dict(sorted(counts.items())), "labels": dict(sorted(labels.items()))}
        if to != "spans":
            report.extra.update({"tokens": tokens_total, "entity_tokens": entity_tokens})
        if to == "hf":
            report.extra["label_names"] = label_names  # ner_tags[i] is label_names[ner_tags[i]]
        files.close()
        report.outputs = [str(out_dir / f"{s}{_SUFFIX[to]}") for s in sorted(handles)]
        run.finish(recipe=None, manifest=manifest_path_for(tmp))  # inside the folder, committed with it
    report.manifest = str(manifest_path_for(out_dir))
    return report
