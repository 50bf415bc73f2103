"""pygame-highway: top-down traffic dodging on a five-lane road."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from envs.miniarcade.base import CANVAS, Game, clip

ROAD_TOP, ROAD_BOTTOM, LANES = 18.0, 206.0, 5
LANE_H = (ROAD_BOTTOM - ROAD_TOP) / LANES  # 37.6
CW, CH = 28.0, 18.0  # agent car size (traffic cars are CH tall)
THRUST, DAMPING = 0.65, 0.95
SLOTS = 4  # traffic cars at most
CAR_SPEED, YELLOW_FACTOR = 6.0, 1.2
TYPES = (("blue", 28.0), ("yellow", 28.0), ("truck", 56.0))  # (kind, length)
SPAWN_GAP = max(length for _, length in TYPES) + 18.0  # free x distance needed in a lane to spawn
STICKY = 5  # steps a collision drags the agent
FLASH = 3  # collision flash length in steps (observed as flash/3)
LOOK = 84.0  # gap below which a car ahead is penalised
CLEAR = 70.0  # a side lane is clear when no car is within this gap ahead


def lane_centre(lane: int) -> float:
    return ROAD_TOP + LANE_H * (lane + 0.5)


@dataclasses.dataclass(slots=True)
class Car:
    x: float  # left end
    lane: int
    length: float
    yellow: bool
    truck: bool
    speed: float = CAR_SPEED  # this step's speed (yellow cars slow down behind others)


class Highway(Game):
    """Drive right along a five-lane road, keeping to a lane and out of the way of traffic.

    Observation (24): [x/224, centre_y/224, vx/10, vy/10, collision_flash/3, gap to the nearest
        car ahead in the current lane /224 (clipped to [0, 1], -1 if none), left-lane clear,
        right-lane clear (1 if no car within 70 px ahead, 0 if one is or the lane does not
        exist), left-lane gap, right-lane gap (as the current-lane gap), lane offset in half
        lanes ([-1, 1]), lane index/4, 4 traffic slots (x/224, centre_y/224, is_truck) or
        (-1, -1, -1)]. "Left" is the lane above (smaller y).
    Action (2): thrust in x and y (y down): v += 0.65*a; p += v; v *= 0.95; clamped to the road.
    Reward: -1 per collision (the car then drags the agent for 5 steps and is removed); per step
        +0.01*exp(-(d/18.8)^2) for the distance d to the nearest lane centre; +0.01 with no car
        ahead in the lane, -0.02*(1 - gap/84) for a car closer than 84 px ahead, else +0.005;
        -0.0005*|a|^2. Traffic grows from 1 to 4 cars over the episode.
    Episode end: never terminates; the MMBench wrapper truncates at 500 steps.
    Success: none (reported as 0).
    Score: clip(R / 10, 0, 1).

    Deviation: the collision flash counts down in `step`, so the observation is the same with
    and without rendering (the original only decayed it inside `render`).
    """

    OBS_DIM = 24
    ACTION_DIM = 2
    EPISODE_STEPS = 500  # traffic density ramps over this many steps

    def _reset_game(self) -> None:
        rng = self.np_random
        self.x = float(rng.uniform(20, 60))
        self.y = lane_centre(int(rng.integers(1, 4))) - CH / 2
        self.vx, self.vy = (float(v) for v in rng.uniform(-0.2, 0.2, 2))
        self.cars: list[Car | None] = [None] * SLOTS
        self.timers = [int(t) for t in rng.integers(0, 7, SLOTS)]
        self.cars[0] = self._new_car(264.0, int(rng.integers(LANES)))
        self.sticky: Car | None = None  # the car dragging the agent
        self.sticky_steps = 0
        self.flash = 0

    def _new_car(self, x: float, lane: int) -> Car:
        kind, length = TYPES[int(self.np_random.integers(len(TYPES)))]
        return Car(x, lane, length, yellow=kind == "yellow", truck=kind == "truck")

    def _remove(self, car: Car) -> None:
        i = next(k for k, c in enumerate(self.cars) if c is car)
        self.cars[i] = None
        self.timers[i] = int(self.np_random.integers(4, 11))

    def _move_traffic(self) -> None:
        active = sorted((c for c in self.cars if c is not None), key=lambda c: c.x)
        for car in active:  # leftmost first, so a yellow car sees where the car ahead went
            car.speed = CAR_SPEED
            new_x = car.x - CAR_SPEED * (YELLOW_FACTOR if car.yellow else 1.0)
            if car.yellow:
                ahead = [o for o in active if o is not car and o.lane == car.lane and o.x < car.x]
                if ahead:
                    front = max(ahead, key=lambda o: o.x)
                    if car.x - (front.x + front.length) < car.length + CAR_SPEED * YELLOW_FACTOR:
                        new_x = max(car.x - CAR_SPEED, front.x + front.length + 1.0)
            car.speed, car.x = car.x - new_x, new_x
        for car in active:
            if car.x + car.length < 0 and car is not self.sticky:
                self._remove(car)

    def _spawn_traffic(self) -> None:
        allowed = math.floor(1 + 3 * min(self.steps, self.EPISODE_STEPS - 1) / (self.EPISODE_STEPS - 1))
        for i in range(SLOTS):
            if self.cars[i] is not None:
                continue
            self.timers[i] -= 1
            if self.timers[i] > 0 or sum(c is not None for c in self.cars) >= allowed:
                continue
            for _ in range(8):
                lane = int(self.np_random.integers(LANES))
                x = CANVAS + float(self.np_random.uniform(20, 60))
                if all(c is None or c.lane != lane or abs(c.x - x) >= SPAWN_GAP for c in self.cars):
                    self.cars[i] = self._new_car(x, lane)
                    break  # a slot that fails retries next step (its timer stays <= 0)

    def _step_game(self, action: np.ndarray) -> tuple[float, dict[str, Any]]:
        reward = 0.0
        self.flash = max(self.flash - 1, 0)
        self.vx += THRUST * float(action[0])
        self.vy += THRUST * float(action[1])
        self.x = clip(self.x + self.vx, 0.0, CANVAS - CW)
        self.y = clip(self.y + self.vy, ROAD_TOP, ROAD_BOTTOM - CH)
        self.vx *= DAMPING
        self.vy *= DAMPING
        self._move_traffic()
        if self.sticky is not None:
            car = self.sticky
            self.x = max(min(self.x - car.speed, car.x - CW + 1.0), 0.0)
            self.sticky_steps += 1
            if self.sticky_steps >= STICKY or car.x - car.speed < 0 or self.x - car.speed < 0:
                self._remove(car)
                self.sticky, self.vx, self.vy = None, 0.0, 0.0
        else:
            for car in self.cars:
                if car is not None and (
                    self.x < car.x + car.length
                    and car.x < self.x + CW
                    and abs(self.y - (lane_centre(car.lane) - CH / 2)) < CH
                ):
                    reward -= 1.0
                    self.sticky, self.sticky_steps, self.flash = car, 0, FLASH
                    break
        self._spawn_traffic()
        # dense shaping: keep to a lane centre, keep the lane ahead clear, small action cost
        cy = self.y + CH / 2
        lane = self._lane()
        reward += 0.01 * math.exp(-(((cy - lane_centre(lane)) / (LANE_H / 2)) ** 2))
        gap = self._gap(lane)
        reward += 0.01 if gap is None else (-0.02 * (1 - gap / LOOK) if gap < LOOK else 0.005)
        reward -= 0.0005 * float(action[0] ** 2 + action[1] ** 2)
        return reward, {}

    def _lane(self) -> int:
        return int(clip((self.y + CH / 2 - ROAD_TOP) // LANE_H, 0, LANES - 1))

    def _gap(self, lane: int) -> float | None:
        """Gap to the nearest car in `lane` not yet passed (0 when alongside), or None."""
        gaps = [
            max(c.x - (self.x + CW), 0.0)
            for c in self.cars
            if c is not None and c.lane == lane and c.x + c.length > self.x
        ]
        return min(gaps) if gaps else None

    def _observation(self) -> np.ndarray:
        lane = self._lane()
        cy = self.y + CH / 2

        def gap_obs(ln: int) -> float:
            g = self._gap(ln) if 0 <= ln < LANES else None
            return -1.0 if g is None else min(g / CANVAS, 1.0)

        def clear(ln: int) -> float:
            if not 0 <= ln < LANES:
                return 0.0
            g = self._gap(ln)
            return float(g is None or g >= CLEAR)

        obs = [
            self.x / CANVAS,
            cy / CANVAS,
            self.vx / 10.0,
            self.vy / 10.0,
            self.flash / FLASH,
            gap_obs(lane),
            clear(lane - 1),
            clear(lane + 1),
            gap_obs(lane - 1),
            gap_obs(lane + 1),
            clip((cy - lane_centre(lane)) / (LANE_H / 2), -1.0, 1.0),
            lane / (LANES - 1),
        ]
        for c in self.cars:
            obs += (
                [-1.0, -1.0, -1.0]
                if c is None
                else [c.x / CANVAS, lane_centre(c.lane) / CANVAS, float(c.truck)]
            )
        return np.array(obs, np.float32)

    def scripted_action(self, obs: np.ndarray) -> np.ndarray:
        """A simple expert: hold x = 40 and change to the freest neighbouring lane when blocked."""
        x, cy, vx, vy = (float(v) for v in obs[:4] * np.array([CANVAS, CANVAS, 10, 10]))
        lane = round(float(obs[11]) * (LANES - 1))
        gaps = {
            lane + d: (1e3 if g < 0 else g * CANVAS)
            for d, g in ((0, obs[5]), (-1, obs[8]), (1, obs[9]))
            if 0 <= lane + d < LANES
        }
        target = lane
        if gaps[lane] < 100:
            best = max(gaps, key=gaps.get)
            target = best if gaps[best] > gaps[lane] + 20 else lane
        return np.clip(
            [0.1 * (40 - x) - 0.5 * vx, 0.12 * (lane_centre(target) - cy) - 0.8 * vy], -1, 1
        ).astype(np.float32)

    def draw(self, surface) -> None:
        import pygame

        surface.fill((40, 120, 40))
        pygame.draw.rect(surface, (60, 60, 65), (0, ROAD_TOP, CANVAS, ROAD_BOTTOM - ROAD_TOP))
        for i in range(1, LANES):
            y = round(ROAD_TOP + LANE_H * i)
            for x in range(-((self.steps * 6) % 24), CANVAS, 24):  # dashes scroll with the step count
                pygame.draw.line(surface, (220, 220, 220), (x, y), (x + 12, y))
        colours = {"truck": (150, 150, 160), "yellow": (240, 210, 40), "blue": (50, 90, 220)}
        for c in self.cars:
            if c is not None:
                kind = "truck" if c.truck else "yellow" if c.yellow else "blue"
                pygame.draw.rect(
                    surface,
                    colours[kind],
                    (round(c.x), round(lane_centre(c.lane) - CH / 2), int(c.length), int(CH)),
                )
        colour = (255, 80, 80) if self.flash else (230, 40, 40)
        pygame.draw.rect(surface, colour, (round(self.x), round(self.y), int(CW), int(CH)))
        if self.flash:
            pygame.draw.rect(
                surface, (255, 255, 255), (round(self.x) - 2, round(self.y) - 2, int(CW) + 4, int(CH) + 4), 1
            )
