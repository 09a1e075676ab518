"""`mlp report`: one self-contained HTML file of a run's figures, charts and checks.

Charts are drawn with matplotlib (the ``plot`` extra), embedded as base64 PNG and also written as
PNG files beside the report. No external URL: the file opens without a network.
"""

from __future__ import annotations

import base64
import html
import io
import json
import mimetypes
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mlp_cli.errors import require
from mlp_cli.io.atomic import write_text_atomic
from mlp_cli.pipeline.runs import find_manifest, load_run

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}
ROW_LIMIT = 5000
SAMPLE_LIMIT = 50_000  # scores kept per histogram (a seeded reservoir sample); counts are exact
TEXT_FIELDS = ("text", "payload", "anchor", "query")


def read_rows(path: Path, limit: int = ROW_LIMIT) -> list[dict[str, Any]]:
    """The first JSONL rows of an output file, or of every ``*.jsonl`` in an output folder."""
    rows: list[dict[str, Any]] = []
    for row in stream_rows([path]):
        rows.append(row)
        if len(rows) >= limit:
            break
    return rows


def output_files(path: Path) -> list[Path]:
    """The JSONL files of an output: the file itself, or every ``*.jsonl`` in an output folder."""
    files = [path] if path.is_file() else sorted(path.glob("*.jsonl")) if path.is_dir() else []
    return [f for f in files if f.suffix == ".jsonl"]


def stream_rows(paths: list[Path]) -> Iterator[dict[str, Any]]:
    """Every JSONL row of the outputs, one at a time (outputs can be larger than memory)."""
    for path in paths:
        for file in output_files(path):
            with open(file, encoding="utf-8") as f:
                for line in f:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(row, dict):
                        yield row


class Reservoir:
    """A uniform sample of at most ``limit`` numbers of a stream, the same for the same stream."""

    def __init__(self, limit: int = SAMPLE_LIMIT):
        self.limit, self.seen = limit, 0
        self.values: list[float] = []
        self.rng = random.Random(0)

    def add(self, value: float) -> None:
        self.seen += 1
        if len(self.values) < self.limit:
            self.values.append(value)
        else:
            at = self.rng.randrange(self.seen)
            if at < self.limit:
                self.values[at] = value


def provenance_field(manifest: dict[str, Any]) -> str:
    output = (manifest.get("recipe") or {}).get("output")
    field = output.get("provenance_field") if isinstance(output, dict) else None
    return field if isinstance(field, str) and field else "_provenance"


def text_of(row: dict[str, Any]) -> str | None:
    for name in TEXT_FIELDS:
        if isinstance(row.get(name), str):
            return row[name]
    return None


class Charts:
    """Draws charts, keeps each as PNG bytes and writes them beside the report."""

    def __init__(self, folder: Path):
        self.plt = require("matplotlib.pyplot", "plot", "mlp report")
        require("matplotlib", "plot", "mlp report").use("Agg")
        self.folder = folder
        self.items: list[tuple[str, str, bytes]] = []  # (title, file name, PNG)

    def new(self, width: float = 7, height: float = 3.2) -> Any:
        fig, ax = self.plt.subplots(figsize=(width, height), dpi=90)
        return fig, ax

    def add(self, fig: Any, title: str, name: str) -> None:
        buffer = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        self.plt.close(fig)
        png = buffer.getvalue()
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{name}.png").write_bytes(png)
        self.items.append((title, f"{name}.png", png))


def chart_overview(charts: Charts, steps: dict[str, dict[str, Any]]) -> None:
    fig, ax = charts.new()
    names = list(steps)
    ax.barh(names, [m.get("counts", {}).get("items_out", 0) for m in steps.values()], color="#4878a8")
    ax.barh(names, [sum((m.get("counts", {}).get("skipped") or {}).values()) for m in steps.values()], color="#d9534f")
    ax.set_xlabel("rows out (red: skipped)")
    ax.invert_yaxis()
    charts.add(fig, "Rows out per step", "overview")


def chart_lengths(charts: Charts, rows_by_step: dict[str, list[dict[str, Any]]], steps: dict[str, Any]) -> None:
    """Synthetic (rows with a level) vs real text lengths, per level, with each step's leakage."""
    groups: dict[str, list[int]] = {}
    for name, rows in rows_by_step.items():
        if steps[name].get("command") != "augment":
            continue
        for row in rows:
            text = text_of(row)
            if text is not None:
                label = f"synthetic {row['level']}" if "level" in row else f"real ({name})"
                groups.setdefault(label, []).append(len(text))
    if not groups:
        return
    fig, ax = charts.new()
    top = max(max(v) for v in groups.values())
    bins = [i * max(1, top // 40) for i in range(42)]
    for label, lengths in sorted(groups.items()):
        ax.hist(lengths, bins=bins, density=True, histtype="step", linewidth=1.5, label=f"{label} (n={len(lengths)})")
    leakage = [
        f"{n}: {m['figures']['fidelity']['leakage'].get('all')}"
        for n, m in steps.items()
        if isinstance((m.get("figures") or {}).get("fidelity"), dict) and "leakage" in m["figures"]["fidelity"]
    ]
    ax.set_xlabel("characters")
    ax.set_ylabel("rows")
    ax.set_title("lengths, synthetic vs real" + (f" — leakage {', '.join(leakage)}" if leakage else ""), fontsize=9)
    ax.legend(fontsize=7)
    charts.add(fig, "Synthetic vs real lengths per level", "lengths")


def chart_levels(charts: Charts, steps: dict[str, dict[str, Any]]) -> None:
    """JS divergence to the real corpus per level (synthetic generators' fidelity)."""
    for name, m in steps.items():
        fidelity = (m.get("figures") or {}).get("fidelity")
        js = fidelity.get("js_divergence") if isinstance(fidelity, dict) else None
        if isinstance(js, dict) and js:
            fig, ax = charts.new()
            ax.bar(list(js), [float(v) for v in js.values()], color="#5cb85c")
            ax.set_ylabel("JS divergence to real n-grams")
            charts.add(fig, f"{name}: n-gram divergence per level", f"{name}-levels")


def chart_curriculum(charts: Charts, steps: dict[str, dict[str, Any]]) -> None:
    for name, m in steps.items():
        figures = m.get("figures") or {}
        detail = figures.get("stage_detail")
        if m.get("command") != "curriculum" or not isinstance(detail, list):
            continue
        fig, (left, right) = charts.plt.subplots(1, 2, figsize=(9, 3.2), dpi=90)
        phases = sorted({d.get("phase", "") for d in detail})
        colors = {p: c for p, c in zip(phases, ["#4878a8", "#f0ad4e", "#5cb85c", "#d9534f", "#777"], strict=False)}
        left.bar(
            [d["stage"] for d in detail], [d["rows"] for d in detail], color=[colors.get(d["phase"]) for d in detail]
        )
        left.set_xlabel("stage")
        left.set_ylabel("rows")
        left.set_title("stage sizes (colour: phase)", fontsize=9)
        right.plot([d["stage"] for d in detail], [d["difficulty"]["median"] for d in detail], marker="o")
        right.fill_between(
            [d["stage"] for d in detail],
            [d["difficulty"]["p25"] for d in detail],
            [d["difficulty"]["p75"] for d in detail],
            alpha=0.3,
        )
        right.set_xlabel("stage")
        right.set_title("difficulty (median, p25-p75)", fontsize=9)
        charts.add(fig, f"{name}: curriculum stages and difficulty", f"{name}-curriculum")


def mined_figures(manifest: dict[str, Any]) -> dict[str, Any]:
    """Scores of positives, hard and easy negatives and the hard negatives' ranks, streamed from the output.

    Every output format records each negative's ``{rank, score, kind}`` and its positive's score in
    the provenance field; without it (``include_scores`` rows only) scores split by label.
    """
    field = provenance_field(manifest)
    scores = {"positive": Reservoir(), "hard": Reservoir(), "easy": Reservoir()}
    ranks: Counter[int] = Counter()
    easy = 0
    last_positive: tuple | None = None
    for row in stream_rows([Path(p) for p in manifest.get("outputs", [])[:1]]):
        prov = row.get(field)
        if not isinstance(prov, dict):
            if isinstance(row.get("score"), (int, float)):
                scores["positive" if row.get("label") in (1, True, "1") else "hard"].add(float(row["score"]))
            continue
        key = (prov.get("source"), prov.get("anchor_id"), prov.get("positive_id"), prov.get("positive_score"))
        if key != last_positive and isinstance(prov.get("positive_score"), (int, float)):
            scores["positive"].add(float(prov["positive_score"]))  # once per positive, whatever the format
        last_positive = key
        negatives = prov.get("negatives")
        if not isinstance(negatives, list):
            negatives = [prov.get("negative")]
        for neg in negatives:
            if not isinstance(neg, dict):
                continue
            kind = "easy" if neg.get("kind") == "easy" else "hard"
            if isinstance(neg.get("score"), (int, float)):
                scores[kind].add(float(neg["score"]))
            if isinstance(neg.get("rank"), int):
                ranks[neg["rank"]] += 1
            elif kind == "easy":
                easy += 1
    return {"scores": scores, "ranks": ranks, "easy_unranked": easy}


def chart_mined(charts: Charts, steps: dict[str, Any]) -> None:
    """Per mining step: score histograms (positive, hard, easy) beside what each filter removed, and ranks."""
    for name, manifest in steps.items():
        if manifest.get("command") != "mine-negatives":
            continue
        figures = manifest.get("figures") or {}
        mined = mined_figures(manifest)
        removed = figures.get("removed")
        if not isinstance(removed, dict):
            removed = {}
        fig, (left, right) = charts.plt.subplots(1, 2, figsize=(9, 3.2), dpi=90)
        groups = {k: r for k, r in mined["scores"].items() if r.values}
        for (kind, reservoir), colour in zip(groups.items(), ("#5cb85c", "#d9534f", "#4878a8"), strict=False):
            left.hist(
                reservoir.values,
                bins=30,
                histtype="step",
                linewidth=1.5,
                color=colour,
                label=f"{kind} (n={reservoir.seen})",
            )
        if groups:
            left.legend(fontsize=7)
        left.set_xlabel("similarity score")
        left.set_title("scores: positive vs hard vs easy negatives", fontsize=9)
        labels = [str(k) for k in removed] or ["(none)"]
        right.barh(labels, [float(v) if isinstance(v, (int, float)) else 0 for v in removed.values()] or [0])
        right.set_xlabel("candidates removed")
        right.set_title("removed by filter", fontsize=9)
        charts.add(fig, f"{name}: mined negatives' scores and what each filter removed", f"{name}-mined")
        fig, ax = charts.new()
        ranks = mined["ranks"]
        if ranks:
            ax.bar(sorted(ranks), [ranks[r] for r in sorted(ranks)], color="#d9534f", width=0.8)
        window = figures.get("rank_window")
        ax.set_xlabel("rank of the negative among the anchor's neighbours (1 = nearest)")
        ax.set_ylabel("hard negatives")
        ax.set_title(
            f"output's hard negatives by rank (window {window}); its {mined['easy_unranked']} easy ones have none",
            fontsize=9,
        )
        charts.add(fig, f"{name}: mined negatives' rank distribution", f"{name}-ranks")


def noise_figures(manifest: dict[str, Any]) -> dict[str, Any]:
    """Rows per noise level and padding lengths per level, streamed from a step's output provenance."""
    field = provenance_field(manifest)
    levels: Counter[str] = Counter()
    lengths: dict[str, Counter[int]] = {}
    units: set[str] = set()
    for row in stream_rows([Path(p) for p in manifest.get("outputs", [])[:1]]):
        prov = row.get(field)
        pads = [
            a.get("params") or {}
            for a in (prov.get("augmenters") or [] if isinstance(prov, dict) else [])
            if isinstance(a, dict) and a.get("augmenter") == "noise-pad"
        ]
        pads = [p for p in pads if p.get("padded", True) and p.get("level")]
        if not pads and isinstance(row.get("noise_level"), str) and not isinstance(prov, dict):
            pads = [{"level": row["noise_level"]}]  # no provenance: the level, without its length
        if not pads:
            levels["(not padded)"] += 1
        for params in pads:
            level = str(params["level"])
            levels[level] += 1
            if isinstance(params.get("length"), int):
                lengths.setdefault(level, Counter())[params["length"]] += 1
                units.add(str(params.get("unit", "")))
    return {"levels": levels, "lengths": lengths, "units": sorted(units)}


def _pads(manifest: dict[str, Any]) -> bool:
    steps = (manifest.get("recipe") or {}).get("steps")
    return isinstance(steps, list) and any(isinstance(s, dict) and s.get("augmenter") == "noise-pad" for s in steps)


def chart_noise(charts: Charts, steps: dict[str, Any]) -> None:
    """Per augment step with ``noise-pad``: rows per noise level, and the padding lengths of each level."""
    for name, manifest in steps.items():
        if manifest.get("command") != "augment" or not _pads(manifest):
            continue
        noise = noise_figures(manifest)
        levels: Counter[str] = noise["levels"]
        fig, (left, right) = charts.plt.subplots(1, 2, figsize=(9, 3.2), dpi=90)
        names = sorted(levels, key=lambda n: (n != "(not padded)", n))
        left.barh(names, [levels[n] for n in names], color="#f0ad4e")
        left.invert_yaxis()
        left.set_xlabel("rows")
        left.set_title(f"noise level of each row (n={sum(levels.values())})", fontsize=9)
        for level, counter in sorted(noise["lengths"].items()):
            values = sorted(counter)
            right.hist(
                values,
                bins=min(30, max(1, len(values))),
                weights=[counter[v] for v in values],
                histtype="step",
                linewidth=1.5,
                label=level,
            )
        if noise["lengths"]:
            right.legend(fontsize=7)
        right.set_xlabel(f"padding length ({', '.join(noise['units']) or 'not recorded'})")
        right.set_ylabel("rows")
        right.set_title("padding lengths per level", fontsize=9)
        charts.add(fig, f"{name}: noise-pad levels and lengths", f"{name}-noise")


def chart_pii(charts: Charts, rows_by_step: dict[str, list[dict[str, Any]]]) -> list[str]:
    """PII label counts; returns a few samples rendered with their spans highlighted."""
    samples: list[str] = []
    for name, rows in rows_by_step.items():
        counts: dict[str, int] = {}
        for row in rows:
            spans = row.get("spans")
            if not isinstance(spans, list) or not isinstance(row.get("text"), str):
                continue
            for span in spans:
                if isinstance(span, dict):
                    counts[str(span.get("label"))] = counts.get(str(span.get("label")), 0) + 1
            if spans and len(samples) < 5:
                samples.append(highlight(row["text"], spans))
        if counts:
            fig, ax = charts.new()
            ax.barh(list(counts), list(counts.values()), color="#9b59b6")
            charts.add(fig, f"{name}: PII label counts", f"{name}-pii")
    return samples


def highlight(text: str, spans: list[Any]) -> str:
    """Text as HTML with each ``{start, end, label}`` span marked."""
    out, at = [], 0
    for span in sorted((s for s in spans if isinstance(s, dict) and "start" in s), key=lambda s: s["start"]):
        start, end = int(span["start"]), int(span["end"])
        if start < at:
            continue
        out.append(html.escape(text[at:start]))
        out.append(f"<mark title='{html.escape(str(span.get('label')))}'>{html.escape(text[start:end])}</mark>")
        out.append(f"<sub>{html.escape(str(span.get('label')))}</sub>")
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def image_sheet(outputs: list[Path], limit: int = 12) -> list[tuple[str, bytes, str]]:
    """A few images of image outputs, embedded as they are."""
    found: list[tuple[str, bytes, str]] = []
    for output in outputs:
        if output.is_dir():
            for file in sorted(output.rglob("*")):
                if file.suffix.lower() in IMAGE_SUFFIXES and file.name != "difficulty.png" and len(found) < limit:
                    found.append((file.name, file.read_bytes(), mimetypes.guess_type(file.name)[0] or "image/png"))
    return found


def _img(data: bytes, mime: str, alt: str, width: str = "100%") -> str:
    b64 = base64.b64encode(data).decode()
    return f"<img alt='{html.escape(alt)}' style='max-width:{width}' src='data:{mime};base64,{b64}'>"


STYLE = """body{font:14px system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.pass{color:#2a7}.fail{color:#c33;font-weight:bold}figure{margin:1.5em 0}mark{background:#fe8}
.sheet img{width:120px;margin:2px;image-rendering:pixelated}"""


def write_report(run: Path, out: Path | None = None) -> dict[str, Any]:
    """Write the HTML report of RUN; return ``{report, charts: [png paths]}``."""
    manifest_file = find_manifest(Path(run))
    top, steps = load_run(Path(run))
    out = Path(out) if out is not None else manifest_file.parent / "report.html"
    charts = Charts(out.parent / f"{out.stem}-charts")
    rows_by_step = {name: read_rows(Path(m["outputs"][0])) if m.get("outputs") else [] for name, m in steps.items()}
    chart_overview(charts, steps)
    chart_lengths(charts, rows_by_step, steps)
    chart_levels(charts, steps)
    chart_noise(charts, steps)
    chart_curriculum(charts, steps)
    chart_mined(charts, steps)
    pii_samples = chart_pii(charts, rows_by_step)
    images = image_sheet([Path(p) for m in steps.values() for p in m.get("outputs", [])])
    checks = top.get("checks") or (top.get("figures") or {}).get("checks") or []
    status = top.get("status", "failed" if any(not c.get("passed") for c in checks) else "ok")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>mlp report</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>mlp report</h1><p>{html.escape(str(top.get('recipe_path')))} — status "
        f"<b class='{'pass' if status == 'ok' else 'fail'}'>{html.escape(status)}</b>, seed {top.get('seed')}, "
        f"mlp {html.escape(str((top.get('versions') or {}).get('mlp-cli')))}</p>",
        "<h2>Checks</h2>",
    ]
    if checks:
        parts.append("<table><tr><th>step</th><th>figure</th><th>value</th><th>min</th><th>max</th><th></th></tr>")
        for c in checks:
            verdict = "<td class='pass'>pass</td>" if c.get("passed") else "<td class='fail'>FAIL</td>"
            cells = "".join(f"<td>{html.escape(str(c.get(k)))}</td>" for k in ("step", "figure", "value", "min", "max"))
            parts.append(f"<tr>{cells}{verdict}</tr>")
        parts.append("</table>")
    else:
        parts.append("<p>no checks</p>")
    parts.append(
        "<h2>Steps</h2><table><tr><th>step</th><th>command</th><th>in</th><th>out</th><th>skipped</th>"
        "<th>seconds</th><th>output</th></tr>"
    )
    for name, m in steps.items():
        counts = m.get("counts", {})
        step_cells = [
            name,
            m.get("command"),
            counts.get("items_in"),
            counts.get("items_out"),
            json.dumps(counts.get("skipped") or {}),
            (m.get("timings") or {}).get("total"),
            ", ".join(Path(p).name for p in m.get("outputs", [])),
        ]
        parts.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in step_cells) + "</tr>")
    parts.append("</table><h2>Charts</h2>")
    for title, name, png in charts.items:
        parts.append(f"<figure><figcaption>{html.escape(title)}</figcaption>{_img(png, 'image/png', name)}</figure>")
    if images:
        parts.append("<h2>Images</h2><div class='sheet'>")
        parts += [_img(data, mime, name, "120px") for name, data, mime in images]
        parts.append("</div>")
    if pii_samples:
        parts.append("<h2>PII samples</h2>" + "".join(f"<p>{s}</p>" for s in pii_samples))
    parts.append("</body></html>\n")
    write_text_atomic(out, "".join(parts))
    return {"command": "report", "report": str(out), "charts": [str(charts.folder / n) for _, n, _ in charts.items]}
