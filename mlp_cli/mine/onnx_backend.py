"""``encoder.backend: onnx``: a sentence-transformers model whose transformer runs in ONNX Runtime.

sentence-transformers' own ONNX backend goes through optimum, whose ``onnxruntime`` extra would
downgrade the pinned transformers; ``onnxruntime`` and ``onnx`` alone install beside it. So the
model's transformer (the Hugging Face module inside the first sentence-transformers module) is
exported once with torch's own exporter and run with an ``InferenceSession``; everything around
it stays sentence-transformers' code: tokenisation, length-sorted batches, prompts, pooling and
normalisation. Only the transformer's forward pass changes, so the embeddings are the torch
backend's within float tolerance (a test checks the cosine).

The export is kept under the embedding cache folder, named by the model's identity (a hash of
its files), written atomically: a rerun or another worker loads it without exporting again.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

from mlp_cli.errors import require
from mlp_cli.io.atomic import replaced_when_done

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
EXPORT_VERSION = "onnx-v1"  # bump when the export's inputs or settings change


def export_path(cache_dir: Path, identity: str) -> Path:
    return cache_dir / "onnx" / f"{EXPORT_VERSION}-{identity[:32]}.onnx"


def attach(model: Any, path: Path, threads: int | None = None) -> Any:
    """Run ``model``'s transformer in ONNX Runtime from ``path`` (exported first when missing)."""
    ort = require("onnxruntime", "onnx", "encoder.backend: onnx")
    transformer = model[0]
    names = _input_names(model)
    exported(model, path)
    options = ort.SessionOptions()
    # One thread per CPU the process may use: the Ray engine sets torch's count per task, so follow it.
    options.intra_op_num_threads = threads or _torch_threads()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    output = getattr(transformer, "module_output_name", None) or "token_embeddings"

    import torch

    def forward(features: dict[str, Any], **_: Any) -> dict[str, Any]:
        feeds = {n: features[n].cpu().numpy() for n in names}
        features[output] = torch.from_numpy(session.run(None, feeds)[0])
        return features

    transformer.forward = forward  # the instance's forward: pooling and the rest see the usual features
    model.mlp_onnx_path = str(path)
    return model


def exported(model: Any, path: Path) -> Path:
    """``path``, after exporting ``model``'s transformer there if it is not there yet."""
    if not path.exists():
        _export(model[0].auto_model, model, _input_names(model), path)
    return path


def _input_names(model: Any) -> list[str]:
    return [n for n in INPUTS if n in _sample_features(model)]


def _sample_features(model: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ``tokenize`` is deprecated in favour of ``preprocess``
        return dict(model.tokenize(["an example sentence", "another, longer example sentence"]))


def _torch_threads() -> int:
    import torch

    return max(1, torch.get_num_threads())


def _export(hf_model: Any, model: Any, names: list[str], path: Path) -> None:
    """torch.onnx.export (the dynamo exporter) with batch and sequence length dynamic."""
    require("onnxscript", "onnx", "encoder.backend: onnx")
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state

    features = _sample_features(model)
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence")
    with replaced_when_done(path) as tmp, warnings.catch_warnings(), _quiet_exporter():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHidden(hf_model).eval(),
            tuple(features[n] for n in names),
            str(tmp),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_shapes={n: {0: batch, 1: seq} if n in names else None for n in INPUTS},
            dynamo=True,
            external_data=False,  # one self-contained file, so the atomic rename moves all of it
            verbose=False,
        )


class _quiet_exporter:
    """The exporter logs its progress at INFO and prints to stdout; mlp's stdout carries --json."""

    def __enter__(self) -> None:
        self._level = logging.getLogger("torch.onnx").level
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        self._stdout = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)

    def __exit__(self, *exc: Any) -> None:
        os.dup2(self._stdout, 1)
        os.close(self._stdout)
        logging.getLogger("torch.onnx").setLevel(self._level)
