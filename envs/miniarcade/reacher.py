"""pygame-reacher-{easy, hard, var1, var2}: a torque-driven two-link arm reaching for a target."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game

DT = 0.02  # seconds per step
LINK = 0.11  # length of each link, metres
ACCEL_SCALE = (90.0, 180.0)  # angular acceleration (rad/s^2) of shoulder and wrist at |a| = 1
LINEAR_DRAG = 6.0  # 1/s
QUADRATIC_DRAG = 1.5  # 1/rad
WRIST_LIMIT = math.radians(160.0)
GRAVITY = 160.0  # var2: rad/s^2 per metre of horizontal lever arm
PIXELS_PER_M = 450.0


@dataclasses.dataclass(frozen=True)
class Variant:
    target_radius: float  # the finger must be this close to the target centre (metres)
    target_spin: tuple[float, float] = (0.0, 0.0)  # |angular speed| range of the target about the base
    gravity: bool = False  # the arm swings in a vertical plane and gravity pulls it down
    obs_dim: int = 6


VARIANTS: dict[str, Variant] = {
    "easy": Variant(target_radius=0.04),
    "hard": Variant(target_radius=0.015),
    "var1": Variant(target_radius=0.04, target_spin=(0.5, 1.0), obs_dim=8),  # a moving target
    "var2": Variant(target_radius=0.04, gravity=True),  # a vertical arm under gravity
}


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2.0 * math.pi) - math.pi


class Reacher(Game):
    """Rotate a two-link arm so its fingertip sits on a red target.

    Observation (6, or 8 for var1): shoulder angle (wrapped to [-pi, pi)), wrist angle, the
        fingertip-to-target vector (metres), shoulder and wrist angular velocities (rad/s); var1
        appends the target's velocity (m/s).
    Action (2): shoulder and wrist torques; each joint accelerates at `(90, 180) * a` rad/s^2
        minus linear (6/s) and quadratic (1.5/rad) drag, integrated with dt 0.02. The wrist stops at
        +-160 degrees. Links are 0.11 m, the base sits in the middle of the canvas.
    Reward: 1 on every step the fingertip is within the target radius, else 0.
    Episode end: 200 steps (set by the registry), never terminates.
    Success: none (reported as 0).
    Score: clip(R / 200, 0, 1).

    Variants: easy (target radius 0.04 m), hard (0.015 m), var1 (0.04 m; the target circles the
    base at 0.5-1 rad/s in a random direction), var2 (0.04 m; the arm swings in a vertical plane and
    gravity pulls each link down, so holding a pose takes torque). The original defines only easy
    and hard (and leaves hard's radius and the drag constants unstated); var1 and var2 are designed
    here. Each joint is modelled independently (no inertial coupling between the links).
    """

    ACTION_DIM = 2

    def __init__(self, render_mode: str | None = None, variant: str = "easy"):
        if variant not in VARIANTS:
            raise ValueError(f"unknown reacher variant {variant!r}; accepted: {sorted(VARIANTS)}")
        self.variant_name = variant
        self.variant = VARIANTS[variant]
        self.OBS_DIM = self.variant.obs_dim  # per instance: var1 observes the target's motion too
        super().__init__(render_mode)
        self.angles = [0.0, 0.0]
        self.velocities = [0.0, 0.0]
        self.target_polar = [0.1, 0.0]  # distance from the base, angle
        self.target_spin = 0.0

    # -- kinematics -----------------------------------------------------------------------------
    def fingertip(self) -> tuple[float, float]:
        a1, a2 = self.angles
        return (LINK * (math.cos(a1) + math.cos(a1 + a2)), LINK * (math.sin(a1) + math.sin(a1 + a2)))

    def target(self) -> tuple[float, float]:
        dist, angle = self.target_polar
        return dist * math.cos(angle), dist * math.sin(angle)

    def _gravity(self) -> tuple[float, float]:
        """Angular accelerations from gravity (-y) on each joint: proportional to the lever arms."""
        if not self.variant.gravity:
            return 0.0, 0.0
        a1, a2 = self.angles
        wrist_lever = 0.5 * LINK * math.cos(a1 + a2)
        shoulder_lever = 1.5 * LINK * math.cos(a1) + wrist_lever
        return -GRAVITY * shoulder_lever, -GRAVITY * wrist_lever

    # -- game -----------------------------------------------------------------------------------
    def _reset_game(self) -> None:
        rng = self.np_random
        self.angles = [float(rng.uniform(-math.pi, math.pi)), float(rng.uniform(-2.0, 2.0))]
        self.velocities = [0.0, 0.0]
        self.target_polar = [float(rng.uniform(0.05, 0.2)), float(rng.uniform(-math.pi, math.pi))]
        lo, hi = self.variant.target_spin
        self.target_spin = 0.0
        if hi > 0:
            self.target_spin = float(rng.uniform(lo, hi)) * (1.0 if rng.random() < 0.5 else -1.0)

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        grav = self._gravity()
        for j in range(2):
            w = self.velocities[j]
            acc = ACCEL_SCALE[j] * float(action[j]) + grav[j] - LINEAR_DRAG * w - QUADRATIC_DRAG * w * abs(w)
            self.velocities[j] = w + DT * acc
            self.angles[j] += DT * self.velocities[j]
        self.angles[0] = _wrap(self.angles[0])
        if abs(self.angles[1]) > WRIST_LIMIT:  # the wrist hits its stop and loses its speed
            self.angles[1] = math.copysign(WRIST_LIMIT, self.angles[1])
            self.velocities[1] = 0.0
        self.target_polar[1] = _wrap(self.target_polar[1] + DT * self.target_spin)
        fx, fy = self.fingertip()
        tx, ty = self.target()
        return (1.0 if math.hypot(tx - fx, ty - fy) <= self.variant.target_radius else 0.0), {}

    def _observation(self) -> np.ndarray:
        fx, fy = self.fingertip()
        tx, ty = self.target()
        values = [self.angles[0], self.angles[1], tx - fx, ty - fy, self.velocities[0], self.velocities[1]]
        if self.OBS_DIM == 8:
            speed = self.target_spin
            values += [-speed * ty, speed * tx]  # d/dt of the target position
        return np.array(values, dtype=np.float32)

    # -- play helpers ---------------------------------------------------------------------------
    def keyboard_action(self, keys: set[str]) -> np.ndarray:
        """Left/right turn the shoulder (counter-clockwise/clockwise), up/down the wrist."""
        return np.array([float("left" in keys) - float("right" in keys),
                         float("up" in keys) - float("down" in keys)], np.float32)

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """Inverse kinematics to the target, then a PD controller on the joint angles."""
        a1, a2, dx, dy, w1, w2 = (float(v) for v in obs[:6])
        fx = LINK * (math.cos(a1) + math.cos(a1 + a2))
        fy = LINK * (math.sin(a1) + math.sin(a1 + a2))
        tx, ty = fx + dx, fy + dy
        dist = min(max(math.hypot(tx, ty), 1e-6), 2 * LINK - 1e-6)
        elbow = math.acos(min(max(dist * dist / (2 * LINK * LINK) - 1.0, -1.0), 1.0))
        elbow = min(elbow, WRIST_LIMIT) * (1.0 if a2 >= 0 else -1.0)  # keep the current elbow side
        shoulder = math.atan2(ty, tx) - elbow / 2.0
        grav = self._gravity()
        u1 = (6.0 * (20.0 * _wrap(shoulder - a1) - w1) - grav[0]) / ACCEL_SCALE[0]
        u2 = (6.0 * (20.0 * (elbow - a2) - w2) - grav[1]) / ACCEL_SCALE[1]
        return np.clip(np.array([u1, u2], dtype=np.float32), -1.0, 1.0)

    # -- drawing --------------------------------------------------------------------------------
    def draw(self, surface) -> None:
        import pygame

        def to_px(x: float, y: float) -> tuple[int, int]:  # world y points up, screen y down
            return int(CANVAS / 2 + PIXELS_PER_M * x), int(CANVAS / 2 - PIXELS_PER_M * y)

        surface.fill((245, 245, 240))
        pygame.draw.circle(surface, (220, 220, 215), to_px(0, 0), int(2 * LINK * PIXELS_PER_M), 1)
        if self.variant.gravity:
            pygame.draw.line(surface, (150, 150, 150), (CANVAS // 2 - 20, 214), (CANVAS // 2 + 20, 214), 3)
        tx, ty = self.target()
        target_px = max(2, int(self.variant.target_radius * PIXELS_PER_M))
        pygame.draw.circle(surface, (220, 40, 40), to_px(tx, ty), target_px)
        a1 = self.angles[0]
        elbow = (LINK * math.cos(a1), LINK * math.sin(a1))
        tip = self.fingertip()
        pygame.draw.line(surface, (60, 90, 160), to_px(0, 0), to_px(*elbow), 7)
        pygame.draw.line(surface, (80, 130, 200), to_px(*elbow), to_px(*tip), 6)
        pygame.draw.circle(surface, (40, 40, 40), to_px(0, 0), 6)
        pygame.draw.circle(surface, (40, 40, 40), to_px(*elbow), 4)
        pygame.draw.circle(surface, (250, 200, 40), to_px(*tip), 4)
