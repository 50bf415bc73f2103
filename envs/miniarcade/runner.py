"""The side-scrolling runner of pygame-cowboy and pygame-coinrun: its body, the ground and the jump.

The runner stands at a fixed x while the world scrolls toward it; its only control is the jump.
"""

from __future__ import annotations

GROUND = 184.0  # y of the ground line
X, W, H = 40.0, 18.0, 30.0  # the runner's fixed x and its size
GROUND_TOP = GROUND - H  # the runner's top y when standing on the ground
GRAVITY, JUMP, SCROLL = 1.0, 12.0, 10.0  # px/step^2 downward, take-off speed per unit action, px/step


def jump_step(y: float, vy: float, a: float) -> tuple[float, float]:
    """The runner's (top y, vertical speed) after one step with action `a`.

    On the ground (within 1e-6), a > 0 takes off with vertical speed -12a (up); then gravity adds 1
    to the speed, the speed moves the runner, and it stops on the ground.
    """
    if a > 0 and y >= GROUND_TOP - 1e-6:
        vy = -JUMP * a
    vy += GRAVITY
    y += vy
    if y >= GROUND_TOP:
        y, vy = GROUND_TOP, 0.0
    return y, vy
