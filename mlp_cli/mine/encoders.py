"""Encoders that turn anchors and documents into vectors: tfidf, sentence-transformers, precomputed.

Anchors and documents are encoded separately (they take different prompts). Results are cached
on disk under a key made of the model's identity and a hash of the texts, so a rerun with other
sampling settings loads the vectors instead of encoding again; a cache hit never imports the
model's library (nor, on Ray, starts an actor). Heavy libraries are imported inside functions.

sentence-transformers encodes fixed blocks of ``BATCHES_PER_BLOCK × batch_size`` texts, one
``model.encode`` call each, on every engine: ``encode()`` sorts a call's texts by length into
batches, and a batch's padding can change the last bits of a vector, so the same blocks give the
same bits whether they are encoded in this process or spread over a Ray actor pool.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlp_cli.errors import InputDataError, UsageError, require
from mlp_cli.mine import onnx_backend
from mlp_cli.mine.recipe import EncoderSpec
from mlp_cli.runtime.ray_engine import RayExecutor

# Texts per sentence-transformers block, in batches: large enough that sorting by length inside a
# block still packs batches tightly, small enough to spread a corpus over a cluster's actors.
BATCHES_PER_BLOCK = 16


@dataclass
class Encoded:
    """Vectors of the anchors and of the documents (corpus rows first, then extra positives)."""

    anchors: Any  # np.ndarray (n_anchors, d) or a scipy CSR matrix
    documents: Any
    dense: bool
    cache_hits: int = 0
    cache_misses: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    stage: dict[str, Any] = field(default_factory=lambda: {"where": "driver"})  # where encoding ran


def default_cache_dir() -> Path:
    """``$MLP_CACHE_DIR`` or ``~/.cache/mlp/embeddings``."""
    env = os.environ.get("MLP_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "mlp" / "embeddings"


def texts_digest(texts: Sequence[str]) -> str:
    """A hash of the texts in order (length-prefixed, so boundaries matter)."""
    h = hashlib.blake2b(digest_size=16)
    for t in texts:
        b = t.encode("utf-8")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def model_identity(model_dir: Path) -> str:
    """A cheap identity of a local model folder: file names, sizes and modification times."""
    if not model_dir.exists():
        raise UsageError(f"{model_dir}: sentence-transformers model folder not found (encoder.model / --model)")
    h = hashlib.blake2b(digest_size=16)
    h.update(str(model_dir.resolve()).encode())
    for f in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        st = f.stat()
        h.update(f"{f.relative_to(model_dir)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


class EmbeddingCache:
    """Vectors stored as ``KEY.npy`` (dense, loaded memory-mapped) or ``KEY.npz`` (sparse)."""

    def __init__(self, folder: Path | None, enabled: bool = True):
        self.folder = folder
        self.enabled = enabled and folder is not None

    @staticmethod
    def key(*parts: Any) -> str:
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()

    def get(self, key: str) -> Any | None:
        if not self.enabled:
            return None
        assert self.folder is not None
        dense = self.folder / f"{key}.npy"
        if dense.exists():
            try:
                return np.load(dense, mmap_mode="r")
            except (ValueError, OSError):  # a damaged entry is a miss, recomputed and replaced
                return None
        sparse = self.folder / f"{key}.npz"
        if sparse.exists():
            import scipy.sparse

            try:
                return scipy.sparse.load_npz(sparse).tocsr()
            except (ValueError, OSError):
                return None
        return None

    def put(self, key: str, value: Any) -> None:
        if not self.enabled:
            return
        assert self.folder is not None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            is_dense = isinstance(value, np.ndarray)
            suffix = ".npy" if is_dense else ".npz"
            fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=suffix, dir=self.folder)
            os.close(fd)
            try:
                if is_dense:
                    with open(tmp, "wb") as f:
                        np.save(f, value)
                else:
                    import scipy.sparse

                    scipy.sparse.save_npz(tmp, value)
                os.replace(tmp, self.folder / f"{key}{suffix}")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            # A read-only or full cache folder must not fail the run: the vectors are in memory.
            self.enabled = False


def encode(
    spec: EncoderSpec,
    anchor_texts: Sequence[str],
    document_texts: Sequence[str],
    *,
    anchor_ids: Sequence[str] | None = None,
    document_ids: Sequence[str] | None = None,
    resolve: Any = Path,
    seed: int = 0,
    cluster: RayExecutor | None = None,
) -> Encoded:
    """Encode anchors and documents with the configured encoder (cached).

    Args:
        spec: the recipe's encoder section.
        anchor_texts: query side (gets ``query_prompt``).
        document_texts: corpus side (gets ``document_prompt``).
        anchor_ids: ids of the anchors (precomputed embeddings look them up).
        document_ids: ids of the documents (precomputed embeddings look them up).
        resolve: turns a recipe path into a Path (relative to the recipe file).
        seed: seeds TruncatedSVD when tfidf is reduced to dense vectors.
        cluster: a Ray executor whose actor pool encodes sentence-transformers blocks (None: this
            process). tfidf is fitted on the whole corpus and precomputed vectors are read, in
            this process either way.
    """
    import time

    cache_dir = resolve(spec.cache_dir) if spec.cache_dir else default_cache_dir()
    cache = EmbeddingCache(Path(cache_dir), spec.cache)
    started = time.perf_counter()
    if spec.type == "tfidf":
        result = _tfidf(spec, anchor_texts, document_texts, cache, seed)
    elif spec.type == "sentence-transformers":
        result = _sentence_transformers(spec, anchor_texts, document_texts, cache, resolve, cluster)
    else:
        result = _precomputed(spec, anchor_ids or [], document_ids or [], resolve)
    if result.cache_hits and not result.cache_misses:
        result.stage = {"where": "cache"}
    result.seconds["encode"] = time.perf_counter() - started
    return result


def _tfidf(
    spec: EncoderSpec, anchors: Sequence[str], documents: Sequence[str], cache: EmbeddingCache, seed: int
) -> Encoded:
    params = {
        "analyzer": spec.analyzer,
        "ngram_range": list(spec.ngram_range),
        "min_df": spec.min_df,
        "sublinear_tf": spec.sublinear_tf,
        "dims": spec.dims,
        "seed": seed if spec.dims else None,
        "prompts": [spec.query_prompt, spec.document_prompt],
    }
    # The vectorizer is fitted on the documents, so anchor vectors depend on them too.
    key = cache.key("tfidf-v1", params, texts_digest(anchors), texts_digest(documents))
    a_key, d_key = key + "-a", key + "-d"
    a, d = cache.get(a_key), cache.get(d_key)
    if a is not None and d is not None:
        return Encoded(a, d, dense=isinstance(d, np.ndarray), cache_hits=2)
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer=spec.analyzer,
        ngram_range=tuple(spec.ngram_range),
        min_df=spec.min_df,
        sublinear_tf=spec.sublinear_tf,
        dtype=np.float32,
        norm="l2",
    )
    docs = [spec.document_prompt + t for t in documents]
    try:
        d = vectorizer.fit_transform(docs).tocsr()
    except ValueError as exc:  # e.g. every document is empty or a stop word
        raise InputDataError(f"tfidf cannot build a vocabulary from the corpus: {exc}") from None
    if anchors:
        a = vectorizer.transform([spec.query_prompt + t for t in anchors]).tocsr()
    else:  # predictions mode: the queries are pool rows
        a = d[:0]
    if spec.dims:
        from sklearn.decomposition import TruncatedSVD

        dims = min(spec.dims, max(1, d.shape[1] - 1), d.shape[0])
        svd = TruncatedSVD(n_components=dims, random_state=seed & 0xFFFFFFFF)
        d = _unit_rows(svd.fit_transform(d).astype(np.float32))
        a = _unit_rows(svd.transform(a).astype(np.float32)) if a.shape[0] else d[:0]
    cache.put(a_key, a)
    cache.put(d_key, d)
    return Encoded(a, d, dense=bool(spec.dims), cache_misses=2)


def _sentence_transformers(
    spec: EncoderSpec,
    anchors: Sequence[str],
    documents: Sequence[str],
    cache: EmbeddingCache,
    resolve: Any,
    cluster: RayExecutor | None,
) -> Encoded:
    model_dir = Path(resolve(spec.model))
    ident = model_identity(model_dir)
    size = BATCHES_PER_BLOCK * spec.batch_size
    out: dict[str, np.ndarray] = {}
    missing: dict[str, tuple[str, Sequence[str], str]] = {}  # role -> (cache key, texts, prompt)
    hits = 0
    for role, texts, prompt in (("a", anchors, spec.query_prompt), ("d", documents, spec.document_prompt)):
        # the backend changes the vectors (int8 rounds the weights), and the blocks their last bits
        key = cache.key("st-v2", ident, prompt, spec.normalize, texts_digest(texts), spec.backend, size)
        found = cache.get(key)
        if found is not None:
            out[role] = found
            hits += 1
        elif not texts:
            out[role] = np.zeros((0, 0), dtype=np.float32)
        else:
            missing[role] = (key, texts, prompt)
    stage: dict[str, Any] = {"where": "driver"}
    if missing:
        # Both sides in one pass, so the model is loaded once (per actor, on Ray).
        blocks = [
            (role, start, (prompt, list(texts[start : start + size])))
            for role, (_, texts, prompt) in missing.items()
            for start in range(0, len(texts), size)
        ]
        export = None
        if spec.backend == "onnx":  # the exported model lives beside the embeddings it makes
            export = onnx_backend.export_path(cache.folder or Path(tempfile.gettempdir()) / "mlp-onnx", ident)
            if cluster is not None and not export.exists():  # once here, not once per actor
                onnx_backend.exported(load_model(model_dir, spec.device, "torch"), export)
        make_args = (str(model_dir), spec.device, spec.backend, spec.batch_size, spec.normalize, export)
        vectors: list[Any] = [None] * len(blocks)
        devices = spec.device.split(",")
        if len(devices) > 1 and cluster is not None:
            raise UsageError(
                f"encoder.device {spec.device!r}: a list of devices is for the local engine; on Ray each actor takes "
                "one device (set ray.num_gpus)"
            )
        if len(devices) > 1:
            for n, block_vectors in _encode_in_pool(model_dir, spec, devices, blocks):
                vectors[n] = block_vectors
            stage = {"where": "local processes", "devices": devices}
        elif cluster is None:
            encode_block = block_encoder(*make_args)
            for n, (_, _, block) in enumerate(blocks):
                vectors[n] = encode_block(block)
        else:
            for n, result in cluster.map_blocks("encode", block_encoder, make_args, [b for _, _, b in blocks]):
                vectors[n] = result
            stage = {"where": "ray actors", **cluster.pools["encode"]}
        for role, (key, _, _) in missing.items():
            out[role] = np.concatenate([v for (r, _, _), v in zip(blocks, vectors, strict=True) if r == role])
            cache.put(key, out[role])
    anchors_vectors = out["a"] if out["a"].size or not len(out["d"]) else out["d"][:0]
    encoded = Encoded(anchors_vectors, out["d"], dense=True, cache_hits=hits, cache_misses=len(missing))
    encoded.stage = stage
    return encoded


def _encode_in_pool(
    model_dir: Path, spec: EncoderSpec, devices: list[str], blocks: list[tuple[str, int, tuple[str, list[str]]]]
) -> Iterator[tuple[int, np.ndarray]]:
    """Encode on several devices with sentence-transformers' own multi-process pool.

    One ``encode`` call per side (anchors, documents) with ``chunk_size`` the block size: the
    pool cuts its input into chunks from the start, so each chunk is one block, encoded by one
    process with one ``model.encode`` call, and the vectors are those of a single process.
    """
    size = BATCHES_PER_BLOCK * spec.batch_size
    model = load_model(model_dir, devices[0], spec.backend)
    pool = model.start_multi_process_pool(target_devices=devices)
    try:
        n = 0
        for _role, group in itertools.groupby(blocks, key=lambda block: block[0]):
            side = [block for _, _, block in group]
            result = model.encode(
                [t for _, texts in side for t in texts],
                batch_size=spec.batch_size,
                normalize_embeddings=spec.normalize,
                convert_to_numpy=True,
                prompt=side[0][0] or None,
                pool=pool,
                chunk_size=size,
            )
            matrix = np.asarray(result, dtype=np.float32)
            start = 0
            for _, texts in side:
                yield n, matrix[start : start + len(texts)]
                start += len(texts)
                n += 1
    finally:
        model.stop_multi_process_pool(pool)


def block_encoder(
    model_dir: str, device: str, backend: str, batch_size: int, normalize: bool, export: Path | None = None
) -> Callable[[tuple[str, list[str]]], np.ndarray]:
    """Load the model once; the function returned encodes one (prompt, texts) block, float32.

    Built in this process on the local engine, in each actor of the pool on Ray: the same calls
    on the same blocks, so the same bits.
    """
    model = load_model(Path(model_dir), device, backend, export)

    def encode_block(block: tuple[str, list[str]]) -> np.ndarray:
        prompt, texts = block
        return model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
            prompt=prompt or None,
        ).astype(np.float32, copy=False)

    return encode_block


def load_model(model_dir: Path, device: str = "cpu", backend: str = "torch", export: Path | None = None) -> Any:
    """A local sentence-transformers model on ``device`` with ``backend`` (torch, int8 or onnx).

    ``int8`` is torch's dynamic quantization of the Linear layers (weights int8, activations
    quantized per batch), CPU only. ``onnx`` runs the transformer in ONNX Runtime from the file
    ``export`` (exported there first when missing; see ``mine.onnx_backend``), CPU only.
    """
    SentenceTransformer = require(
        "sentence_transformers", "st", "the sentence-transformers encoder"
    ).SentenceTransformer
    for one in device.split(","):
        if one != "cpu":
            _check_device(one)
    if backend == "onnx":
        require("onnxruntime", "onnx", "encoder.backend: onnx")  # before the model loads, not after
    try:
        model = SentenceTransformer(str(model_dir), device=device, local_files_only=True)
    except Exception as exc:  # the library raises many types for a bad folder
        raise UsageError(
            f"{model_dir}: cannot load a sentence-transformers model: {type(exc).__name__}: {exc}"
        ) from None
    if backend == "int8":
        import torch

        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    elif backend == "onnx":
        if export is None:
            export = onnx_backend.export_path(Path(tempfile.gettempdir()) / "mlp-onnx", model_identity(model_dir))
        onnx_backend.attach(model, export)
    return model


def _check_device(device: str) -> None:
    """A usable torch device, or a UsageError naming what this machine has."""
    import torch

    if device.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(device.partition(":")[2] or 0)
        if index >= count:
            raise UsageError(f"--device {device}: this machine has {count} CUDA device(s); use cpu" + (
                f" or cuda:0..cuda:{count - 1}" if count else ""))
    elif device == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise UsageError("--device mps: Apple's MPS is not available on this machine; use cpu")


def rescore(
    rescore_spec: Any,
    device: str,
    anchors: Sequence[str],
    documents: Sequence[str],
    pairs: Sequence[tuple[int, int]],
    resolve: Any = Path,
) -> np.ndarray:
    """A second model's score of each (anchor index, document index) pair.

    A cross-encoder scores the pair texts together (its raw logits, or the sigmoid of one logit
    when the model was saved with an activation); a bi-encoder folder (one with ``modules.json``)
    scores cosine similarity of normalised embeddings of the anchors and documents involved.
    """
    model_dir = Path(resolve(rescore_spec.model))
    if not model_dir.exists():
        raise UsageError(f"{model_dir}: rescoring model folder not found (rescore.model / --rescore)")
    kind = rescore_spec.type
    if kind == "auto":
        kind = "bi-encoder" if (model_dir / "modules.json").exists() else "cross-encoder"
    if not pairs:
        return np.zeros(0, dtype=np.float32)
    if kind == "bi-encoder":
        model = load_model(model_dir, device)
        a_index = sorted({a for a, _ in pairs})
        d_index = sorted({d for _, d in pairs})
        kw = {"batch_size": rescore_spec.batch_size, "normalize_embeddings": True, "convert_to_numpy": True,
              "show_progress_bar": False}
        a_vec = model.encode([anchors[i] for i in a_index], **kw).astype(np.float32)
        d_vec = model.encode([documents[i] for i in d_index], **kw).astype(np.float32)
        a_pos = {i: n for n, i in enumerate(a_index)}
        d_pos = {i: n for n, i in enumerate(d_index)}
        a_rows = np.fromiter((a_pos[a] for a, _ in pairs), dtype=np.int64, count=len(pairs))
        d_rows = np.fromiter((d_pos[d] for _, d in pairs), dtype=np.int64, count=len(pairs))
        return np.einsum("ij,ij->i", a_vec[a_rows], d_vec[d_rows]).astype(np.float32)
    CrossEncoder = require("sentence_transformers", "st", "--rescore with a cross-encoder").CrossEncoder
    try:
        model = CrossEncoder(str(model_dir), device=device, local_files_only=True)
    except Exception as exc:
        raise UsageError(f"{model_dir}: cannot load a cross-encoder: {type(exc).__name__}: {exc}") from None
    scores = model.predict(
        [(anchors[a], documents[d]) for a, d in pairs],
        batch_size=rescore_spec.batch_size,
        show_progress_bar=False,
        convert_to_numpy=True,
    )
    scores = np.asarray(scores, dtype=np.float32)
    return scores if scores.ndim == 1 else scores[:, -1]


def read_ids(path: Path) -> list[str]:
    """Ids from a ``.npy`` array, a JSON list, or a text file with one id a line."""
    if not path.exists():
        raise InputDataError(f"{path}: ids file not found")
    if path.suffix == ".npy":
        try:
            arr = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise InputDataError(f"{path}: not a plain .npy array of ids: {exc}") from None
        return [str(x) for x in arr.tolist()]
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            return [str(x) for x in json.loads(text)]
        except (ValueError, TypeError) as exc:
            raise InputDataError(f"{path}: expected a JSON list of ids: {exc}") from None
    return [line for line in text.splitlines() if line.strip()]


def load_embeddings(path: Path, ids_path: Path, role: str) -> tuple[np.ndarray, dict[str, int]]:
    """A memory-mapped (n, d) float matrix and its id → row map; a mismatch is an input error."""
    if not path.exists():
        raise InputDataError(f"{path}: {role} embeddings file not found")
    try:
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        raise InputDataError(f"{path}: not a .npy array: {exc}") from None
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.floating):
        raise InputDataError(
            f"{path}: {role} embeddings must be a 2-D float array, found shape {matrix.shape} {matrix.dtype}"
        )
    ids = read_ids(ids_path)
    if len(ids) != matrix.shape[0]:
        raise InputDataError(
            f"{path}: {matrix.shape[0]} {role} embedding rows but {len(ids)} ids in {ids_path}; they must be aligned"
        )
    rows = {i: n for n, i in enumerate(ids)}
    if len(rows) != len(ids):
        raise InputDataError(f"{ids_path}: duplicate ids")
    return matrix, rows


def _precomputed(spec: EncoderSpec, anchor_ids: Sequence[str], document_ids: Sequence[str], resolve: Any) -> Encoded:
    d_matrix, d_rows = load_embeddings(Path(resolve(spec.corpus_embeddings)), Path(resolve(spec.corpus_ids)), "corpus")
    d = _aligned(d_matrix, d_rows, document_ids, "corpus", spec.corpus_ids)
    if anchor_ids:
        a_matrix, a_rows = load_embeddings(
            Path(resolve(spec.anchor_embeddings)), Path(resolve(spec.anchor_ids)), "anchor"
        )
        if a_matrix.shape[1] != d_matrix.shape[1]:
            raise InputDataError(
                f"anchor embeddings have {a_matrix.shape[1]} dimensions, corpus embeddings {d_matrix.shape[1]}"
            )
        a = _aligned(a_matrix, a_rows, anchor_ids, "anchor", spec.anchor_ids)
    else:
        a = d[:0]
    if spec.normalize:
        a, d = _unit_rows_if_needed(a), _unit_rows_if_needed(d)
    return Encoded(a, d, dense=True)


def _aligned(matrix: np.ndarray, rows: dict[str, int], ids: Sequence[str], role: str, ids_path: Any) -> np.ndarray:
    missing = [i for i in ids if i not in rows]
    if missing:
        raise InputDataError(f"{len(missing)} {role} ids have no embedding in {ids_path} (first: {missing[0]!r})")
    order = np.fromiter((rows[i] for i in ids), dtype=np.int64, count=len(ids))
    if len(order) == matrix.shape[0] and np.array_equal(order, np.arange(len(order))):
        return matrix  # already aligned: keep the memory map, copy nothing
    return np.ascontiguousarray(matrix[order], dtype=np.float32)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32, copy=False)


def _unit_rows_if_needed(x: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """Normalised rows; an already-normalised (memory-mapped) matrix is returned as is."""
    for start in range(0, x.shape[0], chunk):
        norms = np.linalg.norm(np.asarray(x[start : start + chunk], dtype=np.float32), axis=1)
        if not np.allclose(norms[norms > 0], 1.0, atol=1e-3):
            return _unit_rows(np.asarray(x, dtype=np.float32))
    return x
