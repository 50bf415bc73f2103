"""Task text embeddings: the stored file is in sync with the registry texts and with the model.

The fast tests load the packaged text model once (about 10 s) and recompute one task per domain;
the full recompute of all 234 tasks (`python -m envs embed --check`) is marked slow.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from envs import embeddings as emb
from envs.registry import DOMAINS, TASK_SETS, TASKS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stored() -> dict[str, np.ndarray]:
    return emb.read_embeddings_file()


@pytest.fixture(scope="module")
def model():
    # The model ships inside a package; keep the hub library offline, as `python -m envs embed` does.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield emb.load_text_model("cpu")


def test_file_holds_every_registered_task_with_its_exact_text(stored):
    assert stored["names"].tolist() == list(TASKS)
    assert stored["texts"].tolist() == [t.text for t in TASKS.values()]
    assert str(stored["model"]) == emb.MODEL_PACKAGE


def test_stored_vectors_are_finite_unit_norm_384d_float32(stored):
    vecs = stored["embeddings"]
    assert vecs.shape == (len(TASKS), emb.EMBEDDING_DIM) == (234, 384)
    assert vecs.dtype == np.float32
    assert np.all(np.isfinite(vecs))
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_identical_texts_have_identical_embeddings_and_distinct_texts_do_not(stored):
    texts, vecs = stored["texts"].tolist(), stored["embeddings"]
    first: dict[str, int] = {}
    for i, text in enumerate(texts):
        j = first.setdefault(text, i)
        np.testing.assert_array_equal(vecs[i], vecs[j])
    assert TASKS["cartpole-balance"].text == TASKS["cartpole-balance-sparse"].text  # a known shared text
    rows = np.array(list(first.values()))
    dist = np.linalg.norm(vecs[rows, None] - vecs[None, rows], axis=-1) + 10 * np.eye(len(rows))
    assert dist.min() > 1e-3, "two different task texts got (nearly) the same embedding"


def test_load_returns_rows_in_the_requested_order(stored):
    soup = list(TASK_SETS["soup"])
    out = emb.load_task_embeddings(soup)
    assert out.shape == (200, 384) and out.dtype == np.float32
    np.testing.assert_array_equal(out, stored["embeddings"][:200])
    picked = ["atari-pong", "walker-walk", "pygame-reacher-easy", "walker-walk"]
    rows = [list(TASKS).index(n) for n in picked]
    np.testing.assert_array_equal(emb.load_task_embeddings(picked), stored["embeddings"][rows])


def test_loaded_array_is_a_private_copy():
    a = emb.load_task_embeddings(["walker-walk"])
    a[:] = 0.0
    assert np.abs(emb.load_task_embeddings(["walker-walk"])).sum() > 0


def test_unknown_task_name_is_a_value_error():
    with pytest.raises(ValueError, match=r"'walker-wlak'.*walker-walk"):
        emb.load_task_embeddings(["walker-wlak"])


def test_stale_file_names_the_tasks_and_the_command(stored, tmp_path):
    names = stored["names"].tolist()
    texts = stored["texts"].tolist()
    keep = [i for i, n in enumerate(names) if n != "mw-reach"]  # drop one task
    texts[names.index("walker-run")] = "2D walker. Run backwards."  # and edit another's text
    path = tmp_path / "stale.npz"
    emb.save_task_embeddings(dict(names=np.array(names)[keep], texts=np.array(texts)[keep],
                                  embeddings=stored["embeddings"][keep], model=stored["model"]), path)
    np.testing.assert_array_equal(emb.load_task_embeddings(["walker-walk"], path),
                                  stored["embeddings"][[names.index("walker-walk")]])
    with pytest.raises(emb.StaleEmbeddingsError) as err:
        emb.load_task_embeddings(list(TASKS), path)
    msg = str(err.value)
    assert "mw-reach" in msg and "walker-run" in msg and "python -m envs embed" in msg
    assert "walker-walk," not in msg  # only the stale ones are named
    assert emb.stale_tasks(list(TASKS), path) == (["mw-reach"], ["walker-run"])


def test_missing_file_names_the_command(tmp_path):
    with pytest.raises(emb.StaleEmbeddingsError, match=r"does not exist.*python -m envs embed"):
        emb.load_task_embeddings(["walker-walk"], tmp_path / "nope.npz")


def test_stored_embeddings_match_the_model_one_task_per_domain(stored, model):
    names = [TASK_SETS[d][-1] for d in DOMAINS] + [TASK_SETS["held-out"][0]]
    fresh = emb.encode_texts([TASKS[n].text for n in names], model)
    np.testing.assert_allclose(fresh, emb.load_task_embeddings(names), atol=emb.ATOL)


def test_model_gives_identical_embeddings_for_identical_texts(model):
    a, b = TASKS["finger-turn-easy"].text, TASKS["finger-spin"].text
    vecs = emb.encode_texts([a, b, a], model)
    np.testing.assert_allclose(vecs[0], vecs[2], atol=1e-6)
    assert np.linalg.norm(vecs[0] - vecs[1]) > 1e-2
    alone = emb.encode_texts([a], model)  # unbatched: no padding; must agree with the batched one
    np.testing.assert_allclose(alone[0], vecs[0], atol=emb.ATOL)


def test_compute_save_load_round_trip(model, tmp_path):
    names = ["cup-catch", "og-ant-maze"]
    path = tmp_path / "sub.npz"
    emb.save_task_embeddings(emb.compute_task_embeddings(names, model), path)
    np.testing.assert_allclose(emb.load_task_embeddings(names[::-1], path),
                               emb.load_task_embeddings(names[::-1]), atol=emb.ATOL)
    with pytest.raises(emb.StaleEmbeddingsError, match="walker-walk"):
        emb.load_task_embeddings(["walker-walk"], path)


@pytest.mark.slow
def test_full_recompute_matches_the_stored_file():
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "envs", "embed", "--check"], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # other libraries may print their own notes first; the command's verdict is a line of its own
    assert any(line.startswith("ok: 234 task embeddings") for line in proc.stdout.splitlines()), proc.stdout
