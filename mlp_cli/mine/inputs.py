"""Reading a miner's inputs: pairs, corpus (or pool) rows with named fields, bad rows under on_error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlp_cli.errors import InputDataError
from mlp_cli.io.manifest import RunReport
from mlp_cli.io.rows import Row, RowSource, iter_rows
from mlp_cli.mine.recipe import MineRecipe
from mlp_cli.recipe.loader import LoadedRecipe


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
    on_error: str,
    report: RunReport,
    limit: int | None = None,
    optional: tuple[str, ...] = (),
) -> list[tuple[Row, dict[str, Any]]]:
    """Rows with the named fields present (``fields``: role → field name); bad rows per on_error."""
    out: list[tuple[Row, dict[str, Any]]] = []
    for n, item in enumerate(iter_rows(source)):
        if limit is not None and n >= limit:
            break
        if not isinstance(item, Row):
            bad_row(report, on_error, item.location, item.reason, item.detail)
            continue
        values: dict[str, Any] = {}
        problem = None
        for role, name in fields.items():
            value = item.data.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if role in optional:
                    values[role] = None
                    continue
                problem = (
                    "missing field",
                    f"no {role} in field {name!r} (fields: {', '.join(map(str, item.data)) or 'none'})",
                )
                break
            values[role] = value
        if problem is not None:
            bad_row(report, on_error, item.location, *problem)
            continue
        out.append((item, values))
    return out


def bad_row(report: RunReport, on_error: str, location: str, reason: str, detail: str) -> None:
    """A bad pairs, corpus or predictions row, under the recipe's on_error policy."""
    report.bad_item(on_error, location, reason, detail, skip_how="set on_error: skip (--on-error skip)")


def read_corpus(loaded: LoadedRecipe, report: RunReport) -> CorpusData | None:
    """The corpus (or pool) rows, or None when the recipe has none; duplicate ids are bad rows."""
    recipe: MineRecipe = loaded.model
    spec = recipe.corpus
    if spec is None:
        return None
    path = loaded.resolve(spec.path)
    assert path is not None
    require_file(path, "corpus", loaded, ("corpus", "path"))
    fields = {"id": spec.id_field, "text": spec.text_field}
    if spec.label_field:
        fields["label"] = spec.label_field
    ids, texts, labels = [], [], []
    seen: set[str] = set()
    for row, values in read_records(spec.row_source(path), fields, recipe.on_error, report, optional=("label",)):
        cid = str(values["id"])
        if cid in seen:
            bad_row(report, recipe.on_error, row.location, "duplicate id", f"corpus id {cid!r} appears more than once")
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


def require_file(path: Path, what: str, loaded: LoadedRecipe, loc: tuple) -> None:
    """An input file that exists and is not a folder, or an error naming where the recipe set it."""
    if not path.exists():
        where = loaded.where(loc) if loaded.marks else "the command line"
        raise InputDataError(f"{path}: {what} file not found (from {where})")
    if path.is_dir():
        raise InputDataError(f"{path}: is a folder, expected a {what} file")
