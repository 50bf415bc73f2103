"""The frozen image encoder of obs=rgb: DINOv2-base, whose CLS token is the 768-D observation.

As in the original: `facebook/dinov2-base` through transformers, eval mode, no gradients; uint8
frames [B, 3, 224, 224] are scaled to [0, 1] and normalised with the ImageNet mean and std, with no
resize or crop (DINOv2 interpolates its position embeddings to 224); the output is
`last_hidden_state[:, 0]`, float32.

Weights are never downloaded at run time. `vision_model` is one of
- a directory written by `save_pretrained` (a local copy of the weights),
- a hub id such as `facebook/dinov2-base`, read only from the local Hugging Face cache,
- `random`: the same architecture with random weights, for tests and CI; its features mean nothing.
When the weights are not there, `VisionWeightsMissing` is raised before anything is built.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import torch

FEATURE_DIM = 768  # DINOv2-base hidden size: the CLS token's width
FRAME_SHAPE = (3, 224, 224)  # channels-first uint8 frames, as rendered by the envs
DEFAULT_MODEL = "facebook/dinov2-base"
RANDOM = "random"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# A saved model is a config plus one of these weight files (save_pretrained writes safetensors).
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_FETCH = f"python -c \"from transformers import AutoModel; AutoModel.from_pretrained('{DEFAULT_MODEL}')\""


class VisionWeightsMissing(FileNotFoundError):
    """The DINOv2 weights are neither at the given path nor in the local Hugging Face cache."""


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache, read from the environment now (huggingface_hub's constants are
    fixed at its import, so a later HF_HUB_CACHE / HF_HOME, e.g. a test's, would be missed)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def base_config():
    """DINOv2-base's architecture. Dinov2Config()'s defaults are base (hidden 768, 12 layers, 12 heads,
    patch 14, MLP ratio 4, LayerScale 1.0, LayerNorm eps 1e-6) except image_size, 224 there but 518 in
    facebook/dinov2-base: 518 gives the checkpoint's 1370 position embeddings, interpolated to 224."""
    from transformers import Dinov2Config

    return Dinov2Config(image_size=518)


def _has_weights(find) -> bool:
    """Whether a config and a weight file are found; `find(name)` gives a file's path or None."""
    return find("config.json") is not None and any(find(f) is not None for f in _WEIGHT_FILES)


def resolve(vision_model: str, cache_dir: str | os.PathLike | None = None) -> str:
    """Where the weights of `vision_model` are: `random`, a local directory, or the hub id itself when
    the local cache has it. Raises VisionWeightsMissing, naming where it looked, otherwise."""
    if vision_model == RANDOM:
        return RANDOM
    path = Path(vision_model).expanduser()
    if path.is_dir():
        if _has_weights(lambda name: (path / name) if (path / name).is_file() else None):
            return str(path)
        where = f"the directory {path} has no config.json with {' or '.join(_WEIGHT_FILES)}"
    elif path.exists() or vision_model.startswith(("/", ".", "~")) or vision_model.count("/") != 1:
        where = f"there is no directory {path}"  # a path, not a hub id ("org/name")
    else:
        from huggingface_hub import try_to_load_from_cache

        cache = Path(cache_dir) if cache_dir is not None else hf_cache_dir()

        def cached(name):
            hit = try_to_load_from_cache(vision_model, name, cache_dir=cache)
            return hit if isinstance(hit, str) else None  # None or a "known missing" marker

        if _has_weights(cached):
            return vision_model
        where = f"it is not a local directory, and not in the Hugging Face cache at {cache}"
    raise VisionWeightsMissing(
        f"DINOv2 weights for vision_model={vision_model!r} not found: {where} (weights are never downloaded at "
        f"run time). On a machine with network, fetch {DEFAULT_MODEL} into the cache with\n    {_FETCH}\n"
        f"or pass vision_model=PATH, a directory written by save_pretrained (vision_model={RANDOM}: random "
        "weights, for tests only).")


class FrameEncoder:
    """Frozen DINOv2 features of uint8 frames: `encode(frames [B, 3, 224, 224]) -> float32 [B, 768]`.

    vision_model: a save_pretrained directory, a hub id read only from the local cache, or `random`
    (DINOv2-base with random weights, seeded by `seed`; `random_weights` is then True).
    device: where the model runs and the normalisation is done; `encode` returns features there.
    batch_size: frames per forward pass, to bound activation memory.
    cache_dir: the Hugging Face cache to read hub ids from (default: HF_HUB_CACHE / HF_HOME's).
    """

    def __init__(self, vision_model: str = DEFAULT_MODEL, device: str | torch.device = "cpu",
                 batch_size: int = 64, cache_dir: str | os.PathLike | None = None, seed: int = 0):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        source = resolve(vision_model, cache_dir)  # fails before transformers is even imported
        from transformers import Dinov2Model  # imported here: state mode never pays for it

        self.vision_model = vision_model
        self.random_weights = source == RANDOM
        if self.random_weights:
            warnings.warn("vision_model=random: DINOv2-base with random weights, its features are meaningless "
                          "(for tests and CI only)", stacklevel=2)
            with torch.random.fork_rng(devices=[]):  # reproducible, and leaves the caller's RNG alone
                torch.manual_seed(seed)
                model = Dinov2Model(base_config())
        else:
            cache = cache_dir if cache_dir is not None else hf_cache_dir()  # used only for a hub id
            model = Dinov2Model.from_pretrained(source, local_files_only=True, cache_dir=cache, dtype=torch.float32)
        self.device = torch.device(device)
        self.model = model.to(self.device, torch.float32).eval().requires_grad_(False)
        self.batch_size = batch_size
        self.feature_dim = self.model.config.hidden_size
        shape = (1, 3, 1, 1)
        self.mean = torch.tensor(IMAGENET_MEAN, device=self.device).view(shape)
        self.std = torch.tensor(IMAGENET_STD, device=self.device).view(shape)

    def normalise(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 frames -> the model's float32 input, on the device: /255, then ImageNet mean and std.
        The uint8 frames are moved first: a quarter of the bytes of float32 ones."""
        x = frames.to(self.device, non_blocking=True).float().div_(255.0)
        return x.sub_(self.mean).div_(self.std)

    @torch.inference_mode()
    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        """The CLS token of each frame: uint8 [B, 3, 224, 224] -> float32 [B, 768] on the device."""
        if frames.dtype != torch.uint8:
            raise ValueError(f"frames must be torch.uint8 [B, {', '.join(map(str, FRAME_SHAPE))}], got {frames.dtype}")
        if frames.dim() != 4 or tuple(frames.shape[1:]) != FRAME_SHAPE:
            raise ValueError(f"frames must have shape [B, {', '.join(map(str, FRAME_SHAPE))}], "
                             f"got {list(frames.shape)}")
        if len(frames) == 0:  # split() would give one empty chunk, which the model rejects
            return torch.empty(0, self.feature_dim, device=self.device)
        out = [self.model(pixel_values=self.normalise(chunk)).last_hidden_state[:, 0]
               for chunk in frames.split(self.batch_size)]
        return torch.cat(out)

    __call__ = encode
