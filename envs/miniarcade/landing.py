"""pygame-landing: land a helicopter on the deck of a moving ship."""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game, clip

HW, HH = 28.0, 18.0  # helicopter size
THRUST, GRAVITY, DAMPING = 0.6, 0.2, 0.96
DECK_W, DECK_H, DECK_Y = 70.0, 12.0, 189.0  # deck collision box (DECK_Y is its centre)
DECK_TOP, DECK_BOTTOM = DECK_Y - DECK_H / 2, DECK_Y + DECK_H / 2
SHIP_SPEED = 1.4
INSET, CONTACT_TOL = 4.0, 3.0  # contact: overlap beyond this inset, bottom within this of the deck
LATCH_TOL = 0.2  # speeds (relative to the ship) below which the helicopter latches to the deck
HALF = DECK_W / 2  # distance scale of the centring rewards


class Landing(Game):
    """Fly a helicopter under gravity onto a ship's deck that moves left and right.

    Observation (7): [x/224, y/224, vx/10, vy/10, ship_x/224, ship_y/224, ship_vx/5] (helicopter
        top-left corner, deck centre).
    Action (2): thrust in x and y (y down): v += 0.6*a, vy += 0.2 (gravity); p += v; v *= 0.96;
        clamped to the screen. Colliding with the deck resolves along the axis of least
        penetration. In contact with the deck, vx blends 30% toward the ship's speed; slow enough
        (|vy| and |vx - v_ship| < 0.2) it latches and rides the ship, until it thrusts upward
        harder than gravity.
    Reward per step: in contact +(0.1 + 0.9*(1 - |dx|/35)); -0.001*vy when falling; on the first
        contact step -min(10, 2*vy) for the impact speed; -0.5 with the centre below the deck top,
        otherwise +0.025*(1 - |dx|/35) + 0.1*(1 - |dy|/224) (dx, dy: centre distances to the deck).
    Episode end: never terminates; the MMBench wrapper truncates at 200 steps.
    Success: none (reported as 0).
    Score: clip(R / 200, 0, 1).
    """

    OBS_DIM = 7
    ACTION_DIM = 2

    def _reset_game(self) -> None:
        rng = self.np_random
        self.x, self.y = (float(v) for v in rng.uniform(12, 36, 2))
        self.vx, self.vy = (float(v) for v in rng.uniform(-0.3, 0.3, 2))
        self.ship_x = 74.0
        self.ship_vx = (SHIP_SPEED + float(rng.uniform(-0.3, 0.3))) * (1.0 if rng.random() < 0.5 else -1.0)
        self.contact = self.latched = False

    def _move_ship(self) -> None:
        self.ship_x += self.ship_vx
        if (self.ship_x - HALF < 0 and self.ship_vx < 0) or (
            self.ship_x + HALF > CANVAS and self.ship_vx > 0
        ):
            self.ship_vx = -self.ship_vx
        self.ship_x = clip(self.ship_x, HALF, CANVAS - HALF)

    def _resolve_deck(self) -> None:
        left, right = self.ship_x - HALF, self.ship_x + HALF
        if not (self.x < right and left < self.x + HW and self.y < DECK_BOTTOM and DECK_TOP < self.y + HH):
            return
        pens = {
            "top": self.y + HH - DECK_TOP,
            "bottom": DECK_BOTTOM - self.y,
            "left": self.x + HW - left,
            "right": right - self.x,
        }
        side = min(pens, key=pens.get)
        if side == "top":
            self.y, self.vy, self.vx = DECK_TOP - HH, min(self.vy, 0.0), self.vx * 0.9
        elif side == "bottom":
            self.y, self.vy = DECK_BOTTOM, max(self.vy, 0.0)
        elif side == "left":
            self.x, self.vx = left - HW, min(self.vx, 0.0)
        else:
            self.x, self.vx = right, max(self.vx, 0.0)

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        self._move_ship()
        ax, ay = float(action[0]), float(action[1])
        if self.latched and THRUST * ay + GRAVITY >= 0:  # riding the ship
            self.x = clip(self.x + self.ship_vx, 0.0, CANVAS - HW)
            self.y, self.vx, self.vy = DECK_TOP - HH, self.ship_vx, 0.0
        else:
            self.latched = False
            self.vx += THRUST * ax
            self.vy += THRUST * ay + GRAVITY
            self.x = clip(self.x + self.vx, 0.0, CANVAS - HW)
            self.y = clip(self.y + self.vy, 0.0, CANVAS - HH)
            self.vx *= DAMPING
            self.vy *= DAMPING
        impact_vy = self.vy
        self._resolve_deck()
        was_contact = self.contact
        self.contact = (
            self.x < self.ship_x + HALF - INSET
            and self.x + HW > self.ship_x - HALF + INSET
            and abs(self.y + HH - DECK_TOP) <= CONTACT_TOL
        )
        if self.contact:
            self.vx += 0.3 * (self.ship_vx - self.vx)
            if abs(self.vy) < LATCH_TOL and abs(self.vx - self.ship_vx) < LATCH_TOL:
                self.latched = True
        else:
            self.latched = False
        # reward
        dx = abs(self.x + HW / 2 - self.ship_x)
        dy = abs(self.y + HH / 2 - DECK_Y)
        centred = clip(1 - dx / HALF, 0.0, 1.0)
        reward = 0.0
        if self.contact:
            reward += 0.1 + 0.9 * centred
            if not was_contact:
                reward -= min(10.0, 2 * max(0.0, impact_vy))
        if self.vy > 0:
            reward -= 0.001 * self.vy
        if self.y + HH / 2 > DECK_TOP:
            reward -= 0.5
        else:
            reward += 0.025 * centred + 0.1 * clip(1 - dy / CANVAS, 0.0, 1.0)
        return reward, {}

    def _observation(self) -> np.ndarray:
        return np.array(
            [
                self.x / CANVAS,
                self.y / CANVAS,
                self.vx / 10.0,
                self.vy / 10.0,
                self.ship_x / CANVAS,
                DECK_Y / CANVAS,
                self.ship_vx / 5.0,
            ],
            np.float32,
        )

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: match the ship's position and speed, descend slowly once above it."""
        x, y = float(obs[0]) * CANVAS + HW / 2, float(obs[1]) * CANVAS + HH
        vx, vy = float(obs[2]) * 10, float(obs[3]) * 10
        sx, svx = float(obs[4]) * CANVAS, float(obs[6]) * 5
        height = DECK_TOP - y
        if height < 1:
            return np.zeros(2, np.float32)  # on the deck: let it latch
        dx = sx - x
        vy_target = 0.3 + 0.04 * height if abs(dx) < 15 else 0.0
        ay = 1.5 * (vy_target - vy) - GRAVITY / THRUST
        return np.clip([0.08 * dx + 0.8 * (svx - vx), ay], -1, 1).astype(np.float32)

    def draw(self, surface) -> None:
        import pygame

        surface.fill((140, 190, 240))
        pygame.draw.rect(surface, (30, 70, 140), (0, DECK_TOP + 10, CANVAS, CANVAS))  # sea
        sx = round(self.ship_x)
        pygame.draw.polygon(
            surface,
            (90, 90, 100),
            [(sx - 45, round(DECK_TOP) + 4), (sx + 45, round(DECK_TOP) + 4), (sx + 30, 210), (sx - 30, 210)],
        )  # hull
        pygame.draw.rect(
            surface, (200, 200, 200), (sx - round(HALF), round(DECK_TOP), int(DECK_W), int(DECK_H))
        )
        pygame.draw.circle(surface, (240, 220, 40), (sx, round(DECK_Y)), 4)  # landing mark
        x, y = round(self.x), round(self.y)
        body = (60, 160, 60) if self.latched else (200, 60, 40)
        pygame.draw.ellipse(surface, body, (x, y + 4, int(HW), int(HH) - 4))
        pygame.draw.line(surface, (30, 30, 30), (x - 4, y + 2), (x + int(HW) + 4, y + 2), 2)  # rotor
