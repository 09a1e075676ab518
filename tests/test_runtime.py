"""Runtime: per-item seeds, ordered parallel map, atomic outputs, interruption leaves nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlp_cli.errors import InputDataError, UsageError
from mlp_cli.io.atomic import atomic_dir, atomic_file
from mlp_cli.runtime.parallel import chunked, ordered_map
from mlp_cli.runtime.seeding import derive_seed, item_random
from tests.conftest import ROOT


def test_derive_seed_is_stable_and_key_sensitive():
    assert derive_seed(7, 3, 1) == derive_seed(7, 3, 1)
    # a fixed value: the derivation must not change between releases, or old runs are not reproducible
    assert derive_seed(7, 3, 1) == 8024485154909109305
    seeds = {derive_seed(7, i, c) for i in range(50) for c in range(5)}
    assert len(seeds) == 250
    assert derive_seed(7, "a/b.png", 1) != derive_seed(7, "a/b.png", 2) != derive_seed(8, "a/b.png", 1)
    assert derive_seed(1, "1") != derive_seed(1, 1)  # text and numbers are different keys
    assert item_random(5, 1).random() == item_random(5, 1).random()


def _square_chunk(chunk):
    return [x * x for x in chunk]


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(-1000, 1000), max_size=200), st.integers(1, 7))
def test_ordered_map_keeps_order_for_any_chunking(items, size):
    one = [y for c in ordered_map(_square_chunk, chunked(items, size), workers=1) for y in c]
    assert one == [x * x for x in items]


def test_ordered_map_two_workers_same_as_one():
    items = list(range(2000))
    one = [y for c in ordered_map(_square_chunk, chunked(items, 37), workers=1) for y in c]
    two = [y for c in ordered_map(_square_chunk, chunked(items, 37), workers=2) for y in c]
    assert one == two


def _boom(chunk):
    if 50 in chunk:
        raise ValueError("bad chunk")
    return chunk


def test_ordered_map_propagates_worker_errors():
    with pytest.raises(ValueError, match="bad chunk"):
        list(ordered_map(_boom, chunked(range(200), 10), workers=2))


def test_atomic_file_never_shows_a_half_written_output(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(InputDataError):  # a run that fails on bad data leaves nothing
        with atomic_file(target) as tmp:
            tmp.write_text("half")
            raise InputDataError("bad row")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(KeyboardInterrupt):  # an interrupted one leaves its partial work, for --resume
        with atomic_file(target) as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert [p.name for p in tmp_path.iterdir()] == [".out.jsonl.partial"]
    with atomic_file(target, resume=True) as tmp:
        assert tmp.read_text() == "half"
        tmp.write_text("half and the rest")
    assert target.read_text() == "half and the rest" and [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]
    target.unlink()
    with atomic_file(target) as tmp:
        tmp.write_text("whole")
    assert target.read_text() == "whole"
    with pytest.raises(UsageError):
        with atomic_file(target):
            pass
    with atomic_file(target, overwrite=True) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and len(list(tmp_path.iterdir())) == 1


def test_atomic_dir_replaces_whole(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(UsageError):
        with atomic_dir(target) as tmp:
            (tmp / "a.txt").write_text("x")
            raise UsageError("stop")
    assert not target.exists() and list(tmp_path.iterdir()) == []
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("x")
    with atomic_dir(target, overwrite=True) as tmp:
        (tmp / "b.txt").write_text("y")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 130), (signal.SIGKILL, -9)])
def test_killing_a_run_leaves_no_output_and_the_next_run_clears_its_partial(tmp_path, sig, code):
    rows = [{"id": i, "text": "The quick brown fox jumps over the lazy dog. " * 8} for i in range(4000)]
    with open(tmp_path / "big.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    (tmp_path / "r.yaml").write_text(
        "version: 1\ninput: {path: big.jsonl}\noutput: {path: out.jsonl}\ncopies: 20\n"
        "steps:\n  - augmenter: keyboard\n  - augmenter: sentence-shuffle\n"
    )
    command = [sys.executable, "-m", "mlp_cli", "augment", str(tmp_path / "r.yaml"), "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--quiet"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    # wait until the run is under way (its partial output exists), then interrupt it
    partial = tmp_path / ".out.jsonl.partial"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (partial / "out.jsonl").exists():
        time.sleep(0.05)
    time.sleep(0.5)
    assert proc.poll() is None, proc.stderr.read()
    if sig == signal.SIGKILL:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    assert proc.returncode == code, proc.stderr.read()
    assert not (tmp_path / "out.jsonl").exists()
    # the interrupted run's work stays in one partial folder, kept for --resume
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.jsonl.partial", "big.jsonl", "r.yaml"]
    if sig != signal.SIGKILL:  # it stopped cleanly: no traceback, and it released the folder
        assert b"Traceback" not in proc.stderr.read()
        assert not (partial / "owner.json").exists()
    # the next run without --resume removes it and says so; nothing accumulates
    done = subprocess.run([*command, "--limit", "10"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "removed the partial output an interrupted run left" in done.stderr and "--resume" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl", "out.jsonl", "out.manifest.json", "r.yaml"]


def test_outputs_get_ordinary_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        with atomic_file(tmp_path / "f.jsonl") as tmp:
            tmp.write_text("x")
        with atomic_dir(tmp_path / "d") as tmp:
            (tmp / "a").write_text("x")
    finally:
        os.umask(mask)
    assert (tmp_path / "f.jsonl").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "d").stat().st_mode & 0o777 == 0o755
