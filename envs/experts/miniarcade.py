"""MiniArcade experts: a scripted policy per game, from the observation only (a few lines each).

All 19 soup games have one (they are the policies the game tests measure against random play);
the held-out variants (point mazes 4-8, reachers) use the game's own `scripted_action`.
"""

from __future__ import annotations

import math

import numpy as np

from envs.experts import Expert, PolicyExpert

C = 224.0  # canvas size: observations are positions / 224


def _unit(v):
    return v / (np.linalg.norm(v) + 1e-9)


# --- scripted policies, from the observation only (a few lines per game) -------------------------
def cowboy(o):  # jump when the cactus is 0-50 px in front of the cowboy (right edge at x = 58)
    return [1.0 if 0 < o[2] * C - 58 < 50 else 0.0]


def coinrun(o):  # jump when the next coin is just ahead and too high to grab standing
    return [1.0 if o[2] > -1 and 40 < o[2] * C < 100 and o[3] * C < 146 else 0.0]


def spaceship(o):  # PD to the next coin's height, hold x = 40
    ty = o[5] * C if o[4] > -1 else 112.0
    return [0.05 * (40 - o[0] * C) - 5 * o[2], 0.15 * (ty - o[1] * C - 9) - 10 * o[3]]


def pong(o):  # paddle centre on the ball
    return [(o[1] * C - o[4] * C - 20) / 8.5]


def bird_attack(o):  # stand under the nearest live bird and keep firing
    n = round(o[2] * 16)
    birds = o[3 : 3 + n] * C
    return [0.0 if n == 0 else (birds[np.argmin(abs(birds - o[0] * C))] - o[0] * C) / 6, 1.0]


def highway(o):  # lane keeping at x = 40; move to a free neighbouring lane when blocked
    lane, gap = round(o[11] * 4), (9.0 if o[5] < 0 else o[5])
    up, down = (o[8] < 0 or o[8] > 0.5) and lane > 0, (o[9] < 0 or o[9] > 0.5) and lane < 4
    lane += 0 if gap > 0.45 else (-1 if up else 1 if down else 0)
    return [0.1 * (40 - o[0] * C) - 5 * o[2], 0.12 * (18 + 37.6 * (lane + 0.5) - o[1] * C) - 8 * o[3]]


def landing(o):  # follow the ship, descend slowly once over it
    dx, height = o[4] * C - o[0] * C - 14, 183 - o[1] * C - 18
    vy_target = 0.3 + 0.04 * height if abs(dx) < 15 else 0.0
    return [0.08 * dx + 0.8 * (5 * o[6] - 10 * o[2]), 1.5 * (vy_target - 10 * o[3]) - 1 / 3]


def air_hockey(o):  # in our half: get below the puck, then drive up through it; else guard the goal
    puck, mallet = o[0:2] * C, o[4:6] * C
    if puck[1] < 100:
        target = (112.0, 185.0)
    elif mallet[1] > puck[1] + 4:
        target = puck + np.array([0.0, -12.0])  # numpy: element-wise offset
    else:  # above the puck: go around it first
        target = puck + np.array([15.0 if mallet[0] > puck[0] else -15.0, 20.0])
    return (np.asarray(target) - mallet) / 7.5


def rocket_collect(o):  # PD toward the coin
    return 0.08 * o[6:8] * C - 2.4 * o[2:4]


def chase_evade(o):  # run from the opponent (sliding along the wall), or run at it
    me, them = o[0:2] * C, o[4:6] * C
    if o[8] < 0.5:
        return _unit(them - me)
    r = me - (112, 118)
    tangent = np.array([-r[1], r[0]]) * (1 if np.array([-r[1], r[0]]) @ (me - them) >= 0 else -1)
    return _unit(_unit(me - them) + 1.5 * _unit(tangent) - 0.5 * _unit(r))


def dodge(obs, rng=None):
    """Run from the nearest falling coconut once it is close above; else return to the middle."""
    x, dx, dy = obs[0], obs[2], obs[3]
    if -0.6 < dy < 0:
        a = -np.sign(dx) or 1.0
        return np.array([-a if x < 0.1 or x > 0.9 else a], np.float32)
    return np.array([np.clip(4 * (0.5 - x), -1, 1)], np.float32)


def balance(obs, rng=None):
    x, x_dot, theta, theta_dot = obs
    return np.clip([12 * theta + 2.5 * theta_dot + 0.3 * x + 0.8 * x_dot], -1, 1).astype(np.float32)


def swing_up(obs, rng=None):
    """Pump energy (0 when at rest upright) with the sign of E * theta_dot * cos(theta), then balance."""
    x, x_dot, theta, theta_dot = obs
    if abs(theta) < 0.5:
        return balance(obs, rng)
    energy = 0.4 * theta_dot ** 2 + 9.81 * (math.cos(theta) - 1)
    return np.clip([0.5 * energy * theta_dot * math.cos(theta) - (x + x_dot)], -1, 1).astype(np.float32)


def maze_walker(obs, rng=None):
    """Breadth-first search over the observed 5x5 grid; head for the next cell, then the goal."""
    agent, goal = obs[0:2] * 224, obs[2:4] * 224
    walls = obs[6:31].reshape(5, 5) == 1
    start = tuple(int(v) for v in np.clip((agent[::-1] - 20) // 36.8, 0, 4))
    end = tuple(int(v) for v in np.clip((goal[::-1] - 20) // 36.8, 0, 4))
    parent, frontier = {start: None}, [start]
    while frontier:
        cell = frontier.pop(0)
        r, c = cell
        for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if min(nxt) >= 0 and max(nxt) <= 4 and not walls[nxt] and nxt not in parent:
                parent[nxt] = cell
                frontier.append(nxt)
    target = goal
    if start != end and end in parent:
        cell = end
        while parent[cell] != start:  # walk back to the first cell after the start
            cell = parent[cell]
        target = np.array([20 + (cell[1] + 0.5) * 36.8, 20 + (cell[0] + 0.5) * 36.8])
    return np.clip((target - agent) / 5, -1, 1).astype(np.float32)


# Every soup game's policy (the point mazes share the grid search).
POLICIES = {
    "pygame-cowboy": cowboy,
    "pygame-coinrun": coinrun,
    "pygame-spaceship": spaceship,
    "pygame-pong": pong,
    "pygame-bird-attack": bird_attack,
    "pygame-highway": highway,
    "pygame-landing": landing,
    "pygame-air-hockey": air_hockey,
    "pygame-rocket-collect": rocket_collect,
    "pygame-chase-evade": chase_evade,
    "pygame-coconut-dodge": dodge,
    "pygame-cartpole-balance": balance,
    "pygame-cartpole-balance-sparse": balance,
    "pygame-cartpole-tremor": balance,
    "pygame-cartpole-swingup": swing_up,
    "pygame-cartpole-swingup-sparse": swing_up,
    **{f"pygame-point-maze-var{i}": maze_walker for i in (1, 2, 3)},
}


class GameScriptExpert(Expert):
    """The game's own `scripted_action` (held-out variants)."""

    def act(self, obs, info):
        return np.clip(np.asarray(self.env.unwrapped.scripted_action(obs), np.float64), -1, 1).astype(np.float32)


def make(task: str, env) -> Expert:
    if task in POLICIES:
        return PolicyExpert(env, POLICIES[task])
    return GameScriptExpert(env)
