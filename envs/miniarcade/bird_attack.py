"""pygame-bird-attack: a Space-Invaders-like shooter against a formation of birds and a boss."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game, clip

LO, HI = 20.0, 204.0  # the 184x184 arena at offset 20
AW, AH, AGENT_Y = 14.0, 8.0, 184.0  # agent size and row
AGENT_SPEED, STUN_SLOW = 6.0, 0.2
RELOAD, STUN = 8, 16  # steps between shots; steps of stun (and reload) after being hit
BULLET_SPEED = 7.0
ROWS, COLS, BW, BH, SPACING, HP = 2, 8, 14.0, 12.0, 20.0, 2
N_BIRDS = ROWS * COLS
BIRD_FIRE_P = 0.0075  # per bird per step
DROP = 4.0  # formation drop when it reverses at a wall
BOSS_STEP, BOSS_FADE, BOSS_PERIOD = 250, 5, 50
BOSS_X, BOSS_Y = 112.0, 40.0  # boss centre at spawn
BOSS_JITTER_X, BOSS_JITTER_Y = 0.03 * (HI - LO), 0.01 * (HI - LO)
BOSS_BULLET_R, BOSS_BULLET_SPEED = 10.0, 5.0
SHOT_SLOTS, BIRD_SHOT_SLOTS = 5, 10


class BirdAttack(Game):
    """Shoot down a formation of 16 birds (2 HP each) while dodging their bullets and a boss's.

    Observation (55): [x/224, reload/5, birds_alive/16, 16 live-bird x/224 (in order, zero
        padded), lowest bird y/224 (20/224 if none), 5 agent bullets (x/224, y/224), 10 bird
        bullets (x/224, y/224), stun/10, boss bullet (x/224, y/224 clipped to [0, 1], vx/5,
        vy/5 clipped to [-1, 1]) or four zeros].
    Action (2): a0 moves the agent (6 px per step, x0.2 while stunned); a1 > 0 fires when
        reloaded (8 steps between shots).
    Reward: +1 per bird killed; -2 per hit taken (from a bird bullet or the boss's bullet, which
        also stuns for 16 steps); +1 per step once all 16 birds are dead. From step 250 an
        invulnerable boss jitters at the top and fires an aimed, wall-bouncing bullet every 50
        steps.
    Episode end: never terminates; the MMBench wrapper truncates at 500 steps.
    Success: none (reported as 0).
    Score: clip(R / 16, 0, 1).

    Deviation: the boss-bullet hit test always uses the agent's centre (the original used its
    corner on steps where the boss fired).
    """

    OBS_DIM = 3 + N_BIRDS + 1 + 2 * SHOT_SLOTS + 2 * BIRD_SHOT_SLOTS + 1 + 4
    ACTION_DIM = 2

    def _reset_game(self) -> None:
        self.x = 105.0
        self.reload, self.stun = 0, 0
        # birds: [x, y, hp], row-major; the formation moves as one
        self.birds = [
            [40.0 + SPACING * c, 40.0 + SPACING * r, float(HP)] for r in range(ROWS) for c in range(COLS)
        ]
        self.direction = 1.0
        self.shots: list[list[float]] = []  # agent bullets [x, y]
        self.bird_shots: list[list[float]] = []
        self.boss: tuple[float, float] | None = None  # boss centre once it has appeared
        self.boss_shot: list[float] | None = None  # [x, y, vx, vy]

    def _hit_agent(self) -> float:
        self.stun, self.reload = STUN, STUN
        return -2.0

    def _move_birds(self, live: list[list[float]]) -> None:
        left = min(b[0] for b in live)
        right = max(b[0] for b in live) + BW
        if LO <= left + self.direction and right + self.direction <= HI:
            for b in self.birds:
                b[0] += self.direction
        else:  # reverse and drop instead of shifting
            self.direction = -self.direction
            for b in self.birds:
                b[1] += DROP

    def _step_boss(self, ax: float, ay: float) -> float:
        if self.steps < BOSS_STEP:
            return 0.0
        rng = self.np_random
        if self.steps >= BOSS_STEP + BOSS_FADE:
            self.boss = (
                clip(BOSS_X + rng.uniform(-BOSS_JITTER_X, BOSS_JITTER_X), LO, HI),
                clip(BOSS_Y + rng.uniform(-BOSS_JITTER_Y, BOSS_JITTER_Y), LO, HI),
            )
            if self.steps % BOSS_PERIOD == 0 and self.boss_shot is None:
                sx, sy = self.boss[0], self.boss[1] + 8.0
                dx, dy = ax - sx, ay - sy
                norm = math.hypot(dx, dy) or 1.0
                self.boss_shot = [sx, sy, BOSS_BULLET_SPEED * dx / norm, BOSS_BULLET_SPEED * dy / norm]
        else:
            self.boss = (BOSS_X, BOSS_Y)  # fading in
        s = self.boss_shot
        if s is None:
            return 0.0
        s[0] += s[2]
        s[1] += s[3]
        if (s[0] < LO and s[2] < 0) or (s[0] > HI and s[2] > 0):
            s[2] = -s[2]
        if abs(s[0] - ax) < AW / 2 + BOSS_BULLET_R and abs(s[1] - ay) < AH / 2 + BOSS_BULLET_R:
            self.boss_shot = None
            return self._hit_agent()
        if s[1] > HI:
            self.boss_shot = None
        return 0.0

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        reward = 0.0
        speed = AGENT_SPEED * (STUN_SLOW if self.stun > 0 else 1.0)
        self.x = clip(self.x + speed * float(action[0]), LO, HI - AW)
        if action[1] > 0 and self.reload == 0:
            self.shots.append([self.x + AW / 2, AGENT_Y - 6.0])
            self.reload = RELOAD
        self.shots = [[s[0], s[1] - BULLET_SPEED] for s in self.shots if s[1] - BULLET_SPEED > LO]
        self.bird_shots = [[s[0], s[1] + BULLET_SPEED] for s in self.bird_shots if s[1] + BULLET_SPEED < HI]
        live = [b for b in self.birds if b[2] > 0]
        if live:
            self._move_birds(live)
            fire = self.np_random.random(len(live)) < BIRD_FIRE_P
            for b, f in zip(live, fire):
                if f:
                    self.bird_shots.append([b[0] + BW / 2, b[1] + BH])
            for b in live:  # at most one bullet hits each bird per step
                cx, cy = b[0] + BW / 2, b[1] + BH / 2
                for s in self.shots:
                    if abs(s[0] - cx) <= BW / 2 and abs(s[1] - cy) <= BH / 2:
                        self.shots.remove(s)
                        b[2] -= 1
                        if b[2] <= 0:
                            reward += 1.0
                        break
        ax, ay = self.x + AW / 2, AGENT_Y + AH / 2
        hits = [s for s in self.bird_shots if abs(s[0] - ax) <= AW / 2 and abs(s[1] - ay) <= AH / 2]
        for s in hits:  # every bullet that hits costs 2 and is consumed
            self.bird_shots.remove(s)
            reward += self._hit_agent()
        reward += self._step_boss(ax, ay)
        if not any(b[2] > 0 for b in self.birds):
            reward += 1.0
        self.reload = max(self.reload - 1, 0)
        self.stun = max(self.stun - 1, 0)
        return reward, {}

    def _observation(self) -> np.ndarray:
        obs = np.zeros(self.OBS_DIM, np.float32)
        live = [b for b in self.birds if b[2] > 0]
        obs[:3] = self.x / CANVAS, self.reload / 5.0, len(live) / N_BIRDS
        for i, b in enumerate(live):
            obs[3 + i] = b[0] / CANVAS
        i = 3 + N_BIRDS
        obs[i] = (max(b[1] for b in live) if live else LO) / CANVAS
        i += 1
        for k, s in enumerate(self.shots[:SHOT_SLOTS]):
            obs[i + 2 * k], obs[i + 2 * k + 1] = s[0] / CANVAS, s[1] / CANVAS
        i += 2 * SHOT_SLOTS
        for k, s in enumerate(self.bird_shots[:BIRD_SHOT_SLOTS]):
            obs[i + 2 * k], obs[i + 2 * k + 1] = s[0] / CANVAS, s[1] / CANVAS
        i += 2 * BIRD_SHOT_SLOTS
        obs[i] = self.stun / 10.0
        if self.boss_shot is not None:
            s = self.boss_shot
            obs[i + 1 : i + 5] = (
                clip(s[0] / CANVAS, 0.0, 1.0),
                clip(s[1] / CANVAS, 0.0, 1.0),
                clip(s[2] / BOSS_BULLET_SPEED, -1.0, 1.0),
                clip(s[3] / BOSS_BULLET_SPEED, -1.0, 1.0),
            )
        return obs

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: fire under the nearest live bird; sidestep bullets about to hit."""
        x = float(obs[0]) * CANVAS + AW / 2
        alive = round(float(obs[2]) * N_BIRDS)
        if alive == 0:
            return np.array([0.0, -1.0], np.float32)
        birds = obs[3 : 3 + alive] * CANVAS + BW / 2
        move = clip((float(birds[np.argmin(np.abs(birds - x))]) - x) / AGENT_SPEED, -1.0, 1.0)
        start = 3 + N_BIRDS + 1 + 2 * SHOT_SLOTS
        for sx, sy in obs[start : start + 2 * BIRD_SHOT_SLOTS].reshape(-1, 2) * CANVAS:
            if sy > 140 and abs(sx - x) < AW:
                move = 1.0 if sx < x else -1.0
        return np.array([move, 1.0], np.float32)

    def keyboard_action(self, keys: set[str]) -> np.ndarray:
        return np.array(
            [
                float("right" in keys) - float("left" in keys),
                1.0 if "space" in keys or "up" in keys else -1.0,
            ],
            np.float32,
        )

    def draw(self, surface) -> None:
        import pygame

        surface.fill((5, 5, 25))
        pygame.draw.rect(surface, (50, 50, 80), (LO, LO, HI - LO, HI - LO), 1)
        for b in self.birds:
            if b[2] > 0:
                colour = (240, 180, 40) if b[2] >= HP else (240, 100, 40)
                pygame.draw.ellipse(surface, colour, (round(b[0]), round(b[1]), BW, BH))
        if self.boss is not None:
            fade = min(1.0, (self.steps - BOSS_STEP + 1) / BOSS_FADE)
            pygame.draw.circle(
                surface,
                (round(200 * fade), 40, round(200 * fade)),
                (round(self.boss[0]), round(self.boss[1])),
                12,
            )
        for s in self.shots:
            pygame.draw.line(
                surface, (120, 255, 120), (round(s[0]), round(s[1])), (round(s[0]), round(s[1]) + 4)
            )
        for s in self.bird_shots:
            pygame.draw.line(
                surface, (255, 90, 90), (round(s[0]), round(s[1])), (round(s[0]), round(s[1]) + 4)
            )
        if self.boss_shot is not None:
            pygame.draw.circle(
                surface,
                (255, 60, 200),
                (round(self.boss_shot[0]), round(self.boss_shot[1])),
                int(BOSS_BULLET_R) // 2,
            )
        colour = (120, 120, 160) if self.stun else (80, 200, 255)
        pygame.draw.rect(surface, colour, (round(self.x), AGENT_Y, AW, AH))
