"""`mlp report` and `mlp diff` on a real pipeline run: structure of the HTML, and a headless browser."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_mlp

pytest.importorskip("matplotlib")
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(attrs)
        for name in ("src", "href"):
            if attrs.get(name):
                self.urls.append(attrs[name])


@pytest.fixture(scope="module")
def waf_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("waf") / "run"
    result = run_mlp("run", ROOT / "recipes/pipeline-waf.yaml", "--out", out, "--workers", "1", "--quiet")
    assert result.exit_code == 0, result
    return out


def test_report_is_self_contained_with_every_chart(waf_run: Path, tmp_path: Path):
    result = run_mlp("report", waf_run, "--out", tmp_path / "r.html", "--json")
    assert result.exit_code == 0, result
    charts = [Path(p) for p in result.summary["charts"]]
    names = {p.stem for p in charts}
    assert {"overview", "lengths", "negatives-levels", "curriculum-curriculum"} <= names
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    page = Collect()
    page.feed(text)
    assert page.tags[:2] == ["html", "head"] and "table" in page.tags
    assert not re.search(r"https?://", text)
    assert all(url.startswith("data:image/png;base64,") for url in page.urls)
    embedded = {img["alt"]: base64.b64decode(img["src"].split(",", 1)[1]) for img in page.images}
    for chart in charts:  # each chart embedded, and written as the same PNG
        assert embedded[chart.name] == chart.read_bytes()
        assert chart.read_bytes().startswith(b"\x89PNG")
    assert text.count("<td class='pass'>pass</td>") == 3  # the checks table: the recipe's three gates


def test_pipeline_writes_its_report(waf_run: Path):
    assert (waf_run / "report.html").exists()  # report: true in the recipe


def test_diff_of_two_seeds(waf_run: Path, tmp_path: Path):
    other = tmp_path / "other"
    assert (
        run_mlp("run", ROOT / "recipes/pipeline-waf.yaml", "--out", other, "--seed", "9", "-q", "-w", "1").exit_code
        == 0
    )
    result = run_mlp("diff", waf_run, other, "--json")
    assert result.exit_code == 0, result
    changes = result.summary["changes"]
    assert not result.summary["same"]
    assert {"outputs", "figures"} <= {c["what"] for c in changes}
    assert any(c["key"] == "seed" for c in changes)
    same = run_mlp("diff", waf_run, waf_run, "--json")
    assert same.summary["same"] is True and same.summary["changes"] == []


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (make test-browser installs it)")
def test_report_renders_in_headless_chromium(waf_run: Path, tmp_path: Path):
    report = tmp_path / "report.html"
    assert run_mlp("report", waf_run, "--out", report).exit_code == 0
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,2000",
            report.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    from PIL import Image

    image = Image.open(shot).convert("L")
    assert image.size == (1200, 2000)
    colours = image.getcolors(maxcolors=1 << 16) or []
    assert len(colours) > 20  # text and charts, not a blank page
    docs = Path(__import__("os").environ.get("MLP_REPORT_SCREENSHOT", ""))
    if docs.name:
        shutil.copy(shot, docs)
