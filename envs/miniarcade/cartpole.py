"""pygame-cartpole-{balance, swingup, balance-sparse, swingup-sparse, tremor}: a cart-pole in Python.

One class, three switches: `swingup` (start hanging down), `sparse` (reward only near upright)
and `tremor` (random angular shakes hit the pole during the episode).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game

GRAVITY = 9.81
CART_MASS = 0.9
POLE_MASS = 0.11
HALF_LENGTH = 0.6  # half the pole length, in metres
FORCE_SCALE = 11.0  # newtons at action 1
TAU = 0.025  # seconds per step (Euler)
X_LIMIT = 2.4  # beyond this the reward is 0 (the cart is not stopped, nothing terminates)
INIT_NOISE = 0.065  # every state entry starts U(+-INIT_NOISE) around its nominal value
SPARSE_ANGLE = 0.15  # |theta| below this earns the sparse reward
# Tremor schedule (steps, rad/s^2).
FIRST_SHAKE = (40, 80)
NEXT_SHAKE = (50, 90)
SHAKE_STEPS = (5, 10)
SHAKE_ACCEL = (0.35, 1.0)  # times SHAKE_GAIN, random sign
SHAKE_GAIN = 5.0
CAMERA_JITTER = 5  # pixels the camera shakes while a tremor is active (drawing only)
PIXELS_PER_M = 40.0


def wrap_angle(theta: float) -> float:
    """Angle wrapped to (-pi, pi]."""
    wrapped = math.fmod(theta + math.pi, 2.0 * math.pi)
    if wrapped <= 0.0:
        wrapped += 2.0 * math.pi
    return wrapped - math.pi


class CartPole(Game):
    """Push a cart left or right to keep (or swing) its hinged pole upright.

    Observation (4): `[x, x_dot, theta, theta_dot]`, theta = 0 upright, wrapped to (-pi, pi].
    Action (1): horizontal force 11 * a on the cart, a in [-1, 1].
    Reward: dense `(1 - min(|theta|, pi/2) / (pi/2))` while `|x| <= 2.4`; sparse 1 when
        `|theta| < 0.15` and `|x| <= 2.4`; 0 otherwise.
    Episode end: 500 steps (set by the registry), never terminates; the cart may leave the track.
    Success: none (reported as 0).
    Score: clip(R / 500, 0, 1).

    Dynamics are the classic Gym cart-pole equations (Euler, tau 0.025) with cart 0.9 kg, pole
    0.11 kg, pole half-length 0.6 m. Balance starts all four entries at U(+-0.065); swingup the
    same around theta = pi. Tremor (balance start, dense reward) arms shakes every 50-90 steps
    (first after 40-80) lasting 5-10 steps that add +-U(0.35, 1) * 5 rad/s^2 to the pole's angular
    acceleration, and shakes the camera while drawing.

    Deviation from the original: theta is wrapped to (-pi, pi] in the observation and the reward
    (the original leaves it unwrapped, so a pole that turns a full circle back to upright earns 0),
    and the camera shake uses no randomness from the game's RNG (drawing never changes the state).
    """

    OBS_DIM = 4
    ACTION_DIM = 1

    def __init__(self, render_mode: str | None = None, swingup: bool = False, sparse: bool = False,
                 tremor: bool = False):
        super().__init__(render_mode)
        if tremor and (swingup or sparse):
            raise ValueError(f"tremor uses the dense balance task; got swingup={swingup}, sparse={sparse}")
        self.swingup, self.sparse, self.tremor = bool(swingup), bool(sparse), bool(tremor)
        self.state = [0.0, 0.0, 0.0, 0.0]
        self.shake_accel = 0.0  # angular acceleration added while a shake is active
        self.shake_left = 0  # steps left of the active shake
        self.next_shake = 0  # steps until the next shake is armed

    def _reset_game(self) -> None:
        x, x_dot, theta, theta_dot = self.np_random.uniform(-INIT_NOISE, INIT_NOISE, 4)
        if self.swingup:
            theta += math.pi
        self.state = [float(x), float(x_dot), wrap_angle(float(theta)), float(theta_dot)]
        self.shake_accel, self.shake_left = 0.0, 0
        self.next_shake = 0
        if self.tremor:
            self.next_shake = int(self.np_random.integers(FIRST_SHAKE[0], FIRST_SHAKE[1] + 1))

    def _update_tremor(self) -> None:
        """Count down to the next shake; arm it (duration, signed acceleration) when due."""
        if self.shake_left > 0:
            self.shake_left -= 1
            if self.shake_left == 0:
                self.shake_accel = 0.0
        self.next_shake -= 1
        if self.next_shake <= 0:
            rng = self.np_random
            self.shake_left = int(rng.integers(SHAKE_STEPS[0], SHAKE_STEPS[1] + 1))
            sign = 1.0 if rng.random() < 0.5 else -1.0
            self.shake_accel = sign * float(rng.uniform(*SHAKE_ACCEL)) * SHAKE_GAIN
            self.next_shake = int(rng.integers(NEXT_SHAKE[0], NEXT_SHAKE[1] + 1))

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        if self.tremor:
            self._update_tremor()
        x, x_dot, theta, theta_dot = self.state
        force = FORCE_SCALE * float(action[0])
        total_mass = CART_MASS + POLE_MASS
        pole_ml = POLE_MASS * HALF_LENGTH
        sin, cos = math.sin(theta), math.cos(theta)
        temp = (force + pole_ml * theta_dot * theta_dot * sin) / total_mass
        theta_acc = (GRAVITY * sin - cos * temp) / (
            HALF_LENGTH * (4.0 / 3.0 - POLE_MASS * cos * cos / total_mass))
        theta_acc += self.shake_accel  # the tremor pushes the pole before the cart reacts
        x_acc = temp - pole_ml * theta_acc * cos / total_mass
        x, x_dot = x + TAU * x_dot, x_dot + TAU * x_acc
        theta, theta_dot = wrap_angle(theta + TAU * theta_dot), theta_dot + TAU * theta_acc
        self.state = [x, x_dot, theta, theta_dot]
        on_track = abs(x) <= X_LIMIT
        if self.sparse:
            reward = 1.0 if on_track and abs(theta) < SPARSE_ANGLE else 0.0
        else:
            reward = (1.0 - min(abs(theta), math.pi / 2) / (math.pi / 2)) if on_track else 0.0
        return reward, {}

    def _observation(self) -> np.ndarray:
        return np.array(self.state, dtype=np.float32)

    # -- play helpers ---------------------------------------------------------------------------
    def keyboard_action(self, keys: set[str]) -> np.ndarray:
        """Left/right arrows push the cart."""
        return np.array([float("right" in keys) - float("left" in keys)], np.float32)

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """Energy-pumping swing-up far from upright, then a linear balance controller."""
        x, x_dot, theta, theta_dot = (float(v) for v in obs[:4])
        if abs(theta) < 0.5:
            a = 12.0 * theta + 2.5 * theta_dot + 0.3 * x + 0.8 * x_dot
        else:
            # Pole energy per unit mass and length, 0 at rest upright (negative below): pushing
            # along energy * theta_dot * cos(theta) pumps energy in until the pole reaches the top.
            energy = (2.0 / 3.0) * HALF_LENGTH * theta_dot ** 2 + GRAVITY * (math.cos(theta) - 1.0)
            a = 0.5 * energy * theta_dot * math.cos(theta) - 1.0 * (x + x_dot)
        return np.array([min(max(a, -1.0), 1.0)], dtype=np.float32)

    # -- drawing --------------------------------------------------------------------------------
    def draw(self, surface) -> None:
        import pygame

        # Cosmetic camera shake while a tremor is active: a fixed pattern of the step count.
        dx = dy = 0
        if self.tremor and self.shake_left > 0:
            dx = round(CAMERA_JITTER * math.sin(self.steps * 2.3))
            dy = round(CAMERA_JITTER * math.cos(self.steps * 3.7))
        x, _, theta, _ = self.state
        surface.fill((235, 240, 250))
        track_y = 150 + dy
        left, right = CANVAS / 2 - X_LIMIT * PIXELS_PER_M + dx, CANVAS / 2 + X_LIMIT * PIXELS_PER_M + dx
        pygame.draw.line(surface, (90, 90, 100), (left, track_y), (right, track_y), 2)
        for edge in (left, right):
            pygame.draw.line(surface, (200, 60, 60), (edge, track_y - 8), (edge, track_y + 8), 2)
        cart_x = CANVAS / 2 + x * PIXELS_PER_M + dx
        cart = pygame.Rect(0, 0, 36, 18)
        cart.center = (int(cart_x), int(track_y))
        pygame.draw.rect(surface, (50, 70, 140), cart, border_radius=3)
        length = 2 * HALF_LENGTH * PIXELS_PER_M
        tip = (cart_x + length * math.sin(theta), track_y - length * math.cos(theta))
        pygame.draw.line(surface, (200, 140, 60), (cart_x, track_y), tip, 6)
        pygame.draw.circle(surface, (30, 30, 30), (int(cart_x), int(track_y)), 4)
