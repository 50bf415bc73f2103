"""The frozen DINOv2 frame encoder of obs=rgb (newt/vision.py): the random DINOv2-base architecture,
ImageNet normalisation, the CLS token, batching, input checks, and the error when weights are missing.
Nothing here downloads: `random` builds the model from its config."""

import warnings

import pytest
import torch

from newt import vision as V


@pytest.fixture(scope="module")
def encoder():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the random-weights warning, tested below
        return V.FrameEncoder(V.RANDOM, batch_size=2)


def _frames(n, seed=0):
    return torch.randint(0, 256, (n, *V.FRAME_SHAPE), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def _manual_input(frames):
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (frames.float() / 255 - mean) / std


def test_random_builds_dinov2_base_and_warns(encoder):
    with pytest.warns(UserWarning, match="random weights.*meaningless"):
        enc = V.FrameEncoder(V.RANDOM)
    cfg = enc.model.config
    assert enc.random_weights and enc.feature_dim == V.FEATURE_DIM == 768
    assert (cfg.hidden_size, cfg.num_hidden_layers, cfg.num_attention_heads, cfg.patch_size) == (768, 12, 12, 14)
    assert len(enc.model.encoder.layer) == 12
    assert enc.model.embeddings.position_embeddings.shape == (1, 37 * 37 + 1, 768)  # the hub checkpoint's 518 px
    assert 86e6 < sum(p.numel() for p in enc.model.parameters()) < 87e6  # DINOv2-base: 86.6M
    assert not enc.model.training and not any(p.requires_grad for p in enc.model.parameters())
    # seeded (seed=0): the fixture's `random` encoder has the same weights
    assert torch.equal(enc.model.embeddings.cls_token, encoder.model.embeddings.cls_token)


def test_encode_returns_the_cls_token_of_the_normalised_frames(encoder):
    frames = _frames(2)
    seen = []
    hook = encoder.model.register_forward_pre_hook(lambda m, a, kw: seen.append(kw["pixel_values"]), with_kwargs=True)
    try:
        out = encoder.encode(frames)
    finally:
        hook.remove()
    assert out.shape == (2, V.FEATURE_DIM) and out.dtype == torch.float32 and torch.isfinite(out).all()
    assert len(seen) == 1 and torch.allclose(seen[0], _manual_input(frames), atol=1e-6)  # ImageNet normalisation
    with torch.no_grad():
        ref = encoder.model(pixel_values=_manual_input(frames)).last_hidden_state[:, 0]
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)


def test_batching_matches_one_pass(encoder):
    frames = _frames(3, seed=1)
    chunked = encoder.encode(frames)  # batch_size=2: chunks of 2 and 1
    encoder.batch_size = 3
    try:
        whole = encoder.encode(frames)
    finally:
        encoder.batch_size = 2
    torch.testing.assert_close(chunked, whole, rtol=1e-4, atol=1e-4)
    assert encoder.encode(frames[:0]).shape == (0, V.FEATURE_DIM)


@pytest.mark.parametrize("frames, named", [
    (torch.zeros(1, 3, 224, 224), "torch.float32"),
    (torch.zeros(1, 3, 128, 128, dtype=torch.uint8), "[1, 3, 128, 128]"),
    (torch.zeros(1, 224, 224, 3, dtype=torch.uint8), "[1, 224, 224, 3]"),  # channels-last
    (torch.zeros(3, 224, 224, dtype=torch.uint8), "[3, 224, 224]"),  # no batch dimension
])
def test_bad_frames_are_rejected(encoder, frames, named):
    with pytest.raises(ValueError, match=r"\[B, 3, 224, 224\]") as err:
        encoder.encode(frames)
    assert named in str(err.value)


def test_missing_path_raises_before_building(tmp_path, monkeypatch):
    import transformers

    monkeypatch.setattr(transformers, "Dinov2Model", None)  # building anything would fail differently
    missing = tmp_path / "no_such_model"
    with pytest.raises(V.VisionWeightsMissing, match="no directory") as err:
        V.FrameEncoder(str(missing))
    msg = str(err.value)
    assert str(missing) in msg and "AutoModel.from_pretrained('facebook/dinov2-base')" in msg
    assert "vision_model=PATH" in msg
    assert isinstance(err.value, FileNotFoundError)
    (tmp_path / "empty").mkdir()  # a directory without a saved model
    with pytest.raises(V.VisionWeightsMissing, match=r"no config\.json"):
        V.FrameEncoder(str(tmp_path / "empty"))


def test_hub_id_with_an_empty_cache_raises(tmp_path, monkeypatch):
    cache = tmp_path / "hf" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # nothing is fetched even if the code tried
    with pytest.raises(V.VisionWeightsMissing) as err:
        V.FrameEncoder(V.DEFAULT_MODEL)
    msg = str(err.value)
    assert f"Hugging Face cache at {cache}" in msg and "'facebook/dinov2-base'" in msg
    assert "AutoModel.from_pretrained('facebook/dinov2-base')" in msg and "vision_model=PATH" in msg
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "other"))  # HF_HUB_CACHE wins over HF_HOME
    with pytest.raises(V.VisionWeightsMissing, match=str(tmp_path / "other")):
        V.FrameEncoder(V.DEFAULT_MODEL)


def test_saved_model_round_trip(encoder, tmp_path):
    encoder.model.save_pretrained(tmp_path / "dinov2")
    loaded = V.FrameEncoder(str(tmp_path / "dinov2"), batch_size=2)
    assert not loaded.random_weights
    frames = _frames(2, seed=2)
    torch.testing.assert_close(loaded.encode(frames), encoder.encode(frames), rtol=0, atol=0)


def test_hub_id_is_read_from_the_local_cache(encoder, tmp_path, monkeypatch):
    # Lay out a hub cache by hand (what a download leaves), then load the hub id from it offline.
    snapshot = tmp_path / "models--facebook--dinov2-base" / "snapshots" / ("0" * 40)
    encoder.model.save_pretrained(snapshot)
    (tmp_path / "models--facebook--dinov2-base" / "refs").mkdir()
    (tmp_path / "models--facebook--dinov2-base" / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    loaded = V.FrameEncoder(V.DEFAULT_MODEL, batch_size=2)
    assert not loaded.random_weights
    frames = _frames(1, seed=3)
    torch.testing.assert_close(loaded.encode(frames), encoder.encode(frames), rtol=0, atol=0)
