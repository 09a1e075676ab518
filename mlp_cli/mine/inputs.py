"""Reading a miner's inputs: pairs, corpus (or pool) rows with named fields, bad rows through the run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlp_cli.errors import BadItem, InputDataError
from mlp_cli.io.rows import Row, RowSource, iter_rows
from mlp_cli.mine.recipe import MineRecipe
from mlp_cli.recipe.loader import LoadedRecipe
from mlp_cli.runtime.run import Run


@dataclass
class CorpusData:
    """The candidate texts: ids, texts, labels (or None) and where each row came from."""

    ids: list[str]
    texts: list[str]
    labels: list[Any]
    path: Path | None


def read_records(
    source: RowSource,
    fields: dict[str, str],
    run: Run,
    limit: int | None = None,
    optional: tuple[str, ...] = (),
) -> list[tuple[Row, dict[str, Any]]]:
    """Rows with the named fields present (``fields``: role → field name); bad rows go to ``run.bad``."""
    out: list[tuple[Row, dict[str, Any]]] = []
    for n, item in enumerate(iter_rows(source)):
        if limit is not None and n >= limit:
            break
        if not isinstance(item, Row):
            run.bad(item)
            continue
        values: dict[str, Any] = {}
        problem = None
        for role, name in fields.items():
            value = item.data.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if role in optional:
                    values[role] = None
                    continue
                fields_found = ", ".join(map(str, item.data)) or "none"
                problem = BadItem(
                    "missing field", f"no {role} in field {name!r} (fields: {fields_found})", item.location
                )
                break
            values[role] = value
        if problem is not None:
            run.bad(problem)
            continue
        out.append((item, values))
    return out


def read_corpus(loaded: LoadedRecipe, run: Run) -> CorpusData | None:
    """The corpus (or pool) rows, or None when the recipe has none; duplicate ids are bad rows."""
    recipe: MineRecipe = loaded.model
    spec = recipe.corpus
    if spec is None:
        return None
    path = run.input(loaded.resolve(spec.path), where=where(loaded, ("corpus", "path")), what="corpus file")
    if path.is_dir():
        raise InputDataError(f"{path}: is a folder, expected a corpus file")
    fields = {"id": spec.id_field, "text": spec.text_field}
    if spec.label_field:
        fields["label"] = spec.label_field
    ids, texts, labels = [], [], []
    seen: set[str] = set()
    for row, values in read_records(spec.row_source(path), fields, run, optional=("label",)):
        cid = str(values["id"])
        if cid in seen:
            run.bad(BadItem("duplicate id", f"corpus id {cid!r} appears more than once", row.location))
            continue
        seen.add(cid)
        ids.append(cid)
        texts.append(str(values["text"]))
        labels.append(values.get("label"))
    if not ids:
        raise InputDataError(
            f"{path}: the corpus has no usable rows (fields {spec.id_field!r} and {spec.text_field!r})"
        )
    return CorpusData(ids, texts, labels, path)


def where(loaded: LoadedRecipe, loc: tuple) -> str:
    """Where a path was set: the recipe's line, or the command line for a recipe made of flags."""
    return loaded.where(loc) if loaded.marks else "the command line"
