"""Frame helper shared by the Box2D variants."""

from __future__ import annotations

import numpy as np


def square_resize(frame: np.ndarray, size: int) -> np.ndarray:
    """Scale an (H, W, 3) uint8 frame to (size, size, 3) with pygame's smooth scaler."""
    import pygame

    surface = pygame.surfarray.make_surface(np.ascontiguousarray(frame.transpose(1, 0, 2)))
    scaled = pygame.transform.smoothscale(surface, (size, size))
    return np.ascontiguousarray(pygame.surfarray.array3d(scaled).transpose(1, 0, 2))
