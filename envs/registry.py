"""The MMBench task registry: every task as one row of data.

A task is a :class:`TaskSpec` (domain, embodiment, instruction, action dim, episode length,
discount override, score rule, maker parameters). Task sets (``soup``, ``dmcontrol``, ...) are
derived from the rows, never kept as a second hand-written list. A task's global id is its index
in ``soup``; demos, embeddings and action masks are indexed by it.

Each domain has one maker, imported lazily on first use (``envs.<module>:make``), so a machine
without, say, ManiSkill can still run DMControl.
"""

from __future__ import annotations

import dataclasses
import math
from types import MappingProxyType
from typing import Any, Mapping

MAX_OBS_DIM = 128  # observations are right-padded with zeros to this size in the multitask env
MAX_ACTION_DIM = 16  # actions are 16-D; a task reads only its first `action_dim` entries


@dataclasses.dataclass(frozen=True)
class ScoreRule:
    """How an episode's score in [0, 1] is computed at its last step.

    kind="return": clip((R - low) / (high - low), 0, 1) for the episode return R.
    kind="success": the task's success flag at the last step.
    """

    kind: str
    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("return", "success"):
            raise ValueError(f"unknown score kind {self.kind!r}; accepted: 'return', 'success'")
        if self.kind == "return" and not self.high > self.low:
            raise ValueError(f"score bounds must satisfy high > low, got low={self.low}, high={self.high}")

    def __call__(self, episode_return: float, success: float) -> float:
        if self.kind == "success":
            return 0.0 if math.isnan(success) else float(success)
        return float(min(max((episode_return - self.low) / (self.high - self.low), 0.0), 1.0))


def return_score(high: float, low: float = 0.0) -> ScoreRule:
    return ScoreRule("return", low, high)


SUCCESS_SCORE = ScoreRule("success")


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """One MMBench task, as data."""

    name: str
    domain: str  # the domain set it belongs to (dmcontrol, dmcontrol-ext, metaworld, ...)
    embodiment: str  # what the agent controls; first half of the embedding text
    instruction: str  # what it must do; second half of the embedding text
    action_dim: int  # number of leading entries of the 16-D action the task reads
    episode_length: int  # agent steps per episode (after action repeat); never terminates early
    obs_dim: int | None  # native state dim before padding (None: decided by the library version)
    score: ScoreRule  # episode score in [0, 1]
    discount: float | None = None  # explicit discount; None means the length heuristic
    soup: bool = True  # part of the 200-task benchmark (False: held-out variant)
    params: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    @property
    def text(self) -> str:
        """The string whose embedding conditions the agent."""
        return f"{self.embodiment}. {self.instruction}."

    @property
    def gamma(self) -> float:
        """Discount: the explicit one, or clip((L/5 - 1) / (L/5), 0.95, 0.995) for length L."""
        if self.discount is not None:
            return self.discount
        frac = self.episode_length / 5
        return float(min(max((frac - 1) / frac, 0.95), 0.995))


# Which module makes the tasks of each domain (imported lazily by envs.make).
MAKERS: Mapping[str, str] = MappingProxyType({
    "dmcontrol": "envs.dmcontrol:make",
    "dmcontrol-ext": "envs.dmcontrol:make",
    "metaworld": "envs.metaworld:make",
    "maniskill": "envs.maniskill:make",
    "mujoco": "envs.mujoco:make",
    "box2d": "envs.box2d:make",
    "robodesk": "envs.robodesk:make",
    "ogbench": "envs.ogbench:make",
    "pygame": "envs.miniarcade:make",
    "atari": "envs.atari:make",
})

# Domains in canonical soup order.
DOMAINS = tuple(MAKERS)

_DMCONTROL = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('walker-stand', 6, 500, 24, 'Stand upright and maintain balance'),
    ('walker-walk', 6, 500, 24, 'Walk forward at moderate speed'),
    ('walker-run', 6, 500, 24, 'Run forward as fast as possible'),
    ('cheetah-run', 6, 500, 17, 'Run forward quickly'),
    ('reacher-easy', 2, 500, 6, 'Reach for the large red target'),
    ('reacher-hard', 2, 500, 6, 'Reach for the small red target'),
    ('acrobot-swingup', 1, 500, 6, 'Swing up to a vertical position'),
    ('pendulum-swingup', 1, 500, 3, 'Swing up to an upright position'),
    ('cartpole-balance', 1, 500, 5, 'Balance the pole upright'),
    ('cartpole-balance-sparse', 1, 500, 5, 'Balance the pole upright'),
    ('cartpole-swingup', 1, 500, 5, 'Swing the pole up to a vertical position'),
    ('cartpole-swingup-sparse', 1, 500, 5, 'Swing the pole up to a vertical position'),
    ('cup-catch', 2, 500, 8, 'Swing the ball into the cup'),
    ('finger-spin', 2, 500, 9, 'Spin the cylindrical object quickly'),
    ('finger-turn-easy', 2, 500, 12, 'Turn the cylindrical object to the target position'),
    ('finger-turn-hard', 2, 500, 12, 'Turn the cylindrical object to the target position'),
    ('fish-swim', 5, 500, 24, 'Swim to the target location'),
    ('hopper-stand', 4, 500, 15, 'Stand upright and balance on its leg'),
    ('hopper-hop', 4, 500, 15, 'Hop forward as fast as possible'),
    ('quadruped-walk', 12, 500, 78, 'Walk at a steady pace using all 4 legs'),
    ('quadruped-run', 12, 500, 78, 'Run as fast as possible using all 4 legs'),
]

_DMCONTROL_EXT = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('walker-walk-backward', 6, 500, 24, 'Walk backward'),
    ('walker-run-backward', 6, 500, 24, 'Run backward quickly'),
    ('cheetah-run-backward', 6, 500, 17, 'Run backward as fast as possible'),
    ('cheetah-run-front', 6, 500, 17, 'Run forward quickly only on its front leg'),
    ('cheetah-run-back', 6, 500, 17, 'Run forward only on its hind leg'),
    ('cheetah-jump', 6, 500, 17, 'Jump as high as possible'),
    ('hopper-hop-backward', 4, 500, 15, 'Hop backward on its leg'),
    ('reacher-three-easy', 3, 500, 8, 'Reach for the large red target'),
    ('reacher-three-hard', 3, 500, 8, 'Reach for the small red target'),
    ('cup-spin', 2, 500, 8, 'Spin the ball around the cup'),
    ('pendulum-spin', 1, 500, 3, 'Spin the pendulum quickly'),
    ('jumper-jump', 2, 500, 9, 'Jump as high as possible'),
    ('spinner-spin', 5, 500, 15, 'Spin forward'),
    ('spinner-spin-backward', 5, 500, 15, 'Spin backward'),
    ('spinner-jump', 5, 500, 15, 'Jump as high as possible'),
    ('giraffe-run', 7, 500, 19, 'Run forward at high speed'),
]

_METAWORLD = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('mw-assembly', 4, 100, 39, 'Pick up the hollow object by its handle and place it over the peg'),
    ('mw-basketball', 4, 100, 39, 'Pick up the basketball and place it into the hoop'),
    ('mw-button-press-topdown', 4, 100, 39, 'Press the button from above'),
    ('mw-button-press-topdown-wall', 4, 100, 39, 'Press the button from above, avoiding the wall'),
    ('mw-button-press', 4, 100, 39, 'Press the button from the side'),
    ('mw-button-press-wall', 4, 100, 39, 'Press the button from the side, avoiding the wall'),
    ('mw-coffee-button', 4, 100, 39, 'Press the button on the coffee machine'),
    ('mw-coffee-pull', 4, 100, 39, 'Pull the coffee cup to the target position'),
    ('mw-coffee-push', 4, 100, 39, 'Push the coffee cup to the target position'),
    ('mw-dial-turn', 4, 100, 39, 'Turn the dial'),
    ('mw-disassemble', 4, 100, 39, 'Pick up the hollow object by its handle and remove it from the peg'),
    ('mw-door-open', 4, 100, 39, 'Open the door'),
    ('mw-door-close', 4, 100, 39, 'Close the door'),
    ('mw-drawer-close', 4, 100, 39, 'Close the drawer'),
    ('mw-drawer-open', 4, 100, 39, 'Open the drawer'),
    ('mw-faucet-open', 4, 100, 39, 'Open the faucet by turning the handle'),
    ('mw-faucet-close', 4, 100, 39, 'Close the faucet by turning the handle'),
    ('mw-hammer', 4, 100, 39, 'Hammer the peg into the hole'),
    ('mw-handle-press-side', 4, 100, 39, 'Press down the handle'),
    ('mw-handle-press', 4, 100, 39, 'Press down the handle'),
    ('mw-handle-pull-side', 4, 100, 39, 'Pull up the handle'),
    ('mw-handle-pull', 4, 100, 39, 'Pull up the handle'),
    ('mw-lever-pull', 4, 100, 39, 'Pull the lever up'),
    ('mw-peg-insert-side', 4, 100, 39, 'Insert the peg into the hole'),
    ('mw-peg-unplug-side', 4, 100, 39, 'Unplug the peg from the hole'),
    ('mw-pick-out-of-hole', 4, 100, 39, 'Pick the object out of the hole'),
    ('mw-pick-place', 4, 100, 39, 'Pick up the object and move it to the target position'),
    ('mw-pick-place-wall', 4, 100, 39, 'Pick up the object and move it to the target position, avoiding the wall'),
    ('mw-plate-slide', 4, 100, 39, 'Slide the hockey puck into the goal'),
    ('mw-plate-slide-side', 4, 100, 39, 'Slide the hockey puck into the goal'),
    ('mw-plate-slide-back', 4, 100, 39, 'Slide the hockey puck into the goal'),
    ('mw-plate-slide-back-side', 4, 100, 39, 'Slide the hockey puck into the goal'),
    ('mw-push-back', 4, 100, 39, 'Push the object to the target position'),
    ('mw-push', 4, 100, 39, 'Push the object to the green target'),
    ('mw-push-wall', 4, 100, 39, 'Push the object around the wall and to the target position'),
    ('mw-reach', 4, 100, 39, 'Reach for the target position'),
    ('mw-reach-wall', 4, 100, 39, 'Reach for the target position, avoiding the wall'),
    ('mw-soccer', 4, 100, 39, 'Push the soccer ball into the goal'),
    ('mw-stick-push', 4, 100, 39, 'Push the thermo bottle to the target position using the stick'),
    ('mw-stick-pull', 4, 100, 39, 'Pull the thermo bottle to the target position using the stick'),
    ('mw-sweep-into', 4, 100, 39, 'Place the object at the target position'),
    ('mw-sweep', 4, 100, 39, 'Pick up the object and place it at the target position'),
    ('mw-window-open', 4, 100, 39, 'Open the window'),
    ('mw-window-close', 4, 100, 39, 'Close the window'),
    ('mw-bin-picking', 4, 100, 39, 'Pick up the object from the red bin and place it in the blue bin'),
    ('mw-box-close', 4, 100, 39, 'Close the box'),
    ('mw-door-lock', 4, 100, 39, 'Lock the door'),
    ('mw-door-unlock', 4, 100, 39, 'Unlock the door'),
    ('mw-hand-insert', 4, 100, 39, 'Move the object to the target position'),
]

_MANISKILL = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('ms-ant-walk', 8, 500, None, 'Walk along the X-axis at 0.5 m/s'),
    ('ms-ant-run', 8, 500, None, 'Run along the X-axis at 4 m/s'),
    ('ms-cartpole-balance', 1, 500, None, 'Balance the pole upright'),
    ('ms-cartpole-swingup', 1, 500, None, 'Swing the pole up to a vertical position'),
    ('ms-hopper-stand', 4, 250, None, 'Stand upright', 0.99),
    ('ms-hopper-hop', 4, 250, None, 'Move forward quickly by hopping', 0.99),
    ('ms-pick-cube', 4, 25, 42, 'Pick up the red cube and move it to the green target position'),
    ('ms-pick-cube-eepose', 7, 25, 42, 'Pick up the red cube and move it to the green target position'),
    ('ms-pick-cube-so', 6, 25, None, 'Pick up the red cube and move it to the green target position'),
    ('ms-poke-cube', 7, 25, None, 'Push the red cube to the target using the blue peg'),
    ('ms-push-cube', 7, 25, None, 'Push the small cube to the target'),
    ('ms-pull-cube', 7, 25, None, 'Pull the small cube to the target using the gripper'),
    ('ms-pull-cube-tool', 7, 50, None, 'Pull the small cube to the target using the tool'),
    ('ms-stack-cube', 7, 25, None, 'Stack the red cube on top of the green cube'),
    ('ms-place-sphere', 4, 25, None, 'Pick up the ball and put it in the tray'),
    ('ms-lift-peg', 7, 25, None, 'Lift peg and place it upright on the table'),
    ('ms-pick-apple', 7, 25, None, 'Pick up the apple and move it to the target position'),
    ('ms-pick-banana', 7, 25, None, 'Pick up the banana and move it to the target position'),
    ('ms-pick-can', 7, 25, None, 'Pick up the can and move it to the target position'),
    ('ms-pick-hammer', 7, 25, None, 'Pick up the hammer and move it to the target position'),
    ('ms-pick-fork', 7, 25, None, 'Pick up the fork and move it to the target position'),
    ('ms-pick-knife', 7, 25, None, 'Pick up the knife and move it to the target position'),
    ('ms-pick-mug', 7, 25, None, 'Pick up the mug and move it to the target position'),
    ('ms-pick-orange', 7, 25, None, 'Pick up the orange and move it to the target position'),
    ('ms-pick-screwdriver', 7, 25, None, 'Pick up the screwdriver and move it to the target position'),
    ('ms-pick-spoon', 7, 25, None, 'Pick up the spoon and move it to the target position'),
    ('ms-pick-tennis-ball', 7, 25, None, 'Pick up the tennis ball and move it to the target position'),
    ('ms-pick-baseball', 7, 25, None, 'Pick up the baseball and move it to the target position'),
    ('ms-pick-cube-xarm6', 4, 25, None, 'Pick up the red cube and move it to the green target position'),
    ('ms-pick-sponge', 7, 25, None, 'Pick up the sponge and move it to the target position'),
    ('ms-anymal-reach', 12, 100, None, 'Reach target'),
    ('ms-reach', 4, 25, 31, 'Reach target position with end-effector'),
    ('ms-reach-eepose', 7, 25, 31, 'Reach the target position with the end-effector'),
    ('ms-reach-xarm6', 4, 25, None, 'Reach the target position with the gripper'),
    ('ms-cartpole-balance-sparse', 1, 500, None, 'Balance the pole such that it is upright'),
    ('ms-cartpole-swingup-sparse', 1, 500, None, 'Swing up the pole to an upright position'),
]

_MUJOCO = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('mujoco-ant', 8, 500, 27, 'Run as fast as possible', 0.99),
    ('mujoco-halfcheetah', 6, 1000, 17, 'Run forward as fast as possible', 0.99),
    ('mujoco-hopper', 3, 500, 11, 'Hopper hops forward at high speed', 0.99),
    ('mujoco-inverted-pendulum', 1, 500, 4, 'Balance the inverted pendulum upright', 0.99),
    ('mujoco-reacher', 2, 50, 10, 'Reach the target position with the end-effector'),  # v5: 10 (v4: 11)
    ('mujoco-walker', 6, 500, 17, 'Walk forward at high speed', 0.99),
]

_BOX2D = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('bipedal-walker-flat', 4, 250, 24, 'Walk forward quickly on flat terrain', 0.99),
    ('bipedal-walker-uneven', 4, 250, 24, 'Walk forward as fast as possible on uneven terrain', 0.99),
    ('bipedal-walker-rugged', 4, 250, 24, 'Walk forward at high speed on rugged terrain', 0.99),
    ('bipedal-walker-hills', 4, 250, 24, 'Traverse the hills as fast as possible', 0.99),
    ('bipedal-walker-obstacles', 4, 250, 24, 'Traverse the various obstacles quickly', 0.99),
    ('lunarlander-land', 2, 250, 8, 'Land safely on the landing pad', 0.99),
    ('lunarlander-hover', 2, 250, 10, 'Hover safely around the target position', 0.99),
    ('lunarlander-takeoff', 2, 250, 10, 'Take off and fly to the target position', 0.99),
]

_ROBODESK = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('rd-push-red', 5, 100, 73, 'Push the red button'),
    ('rd-push-green', 5, 100, 73, 'Please push the green button'),
    ('rd-push-blue', 5, 100, 73, 'Push the blue button'),
    ('rd-open-slide', 5, 100, 73, 'Open the sliding door'),
    ('rd-open-drawer', 5, 100, 73, 'Open the drawer'),
    ('rd-flat-block-in-bin', 5, 100, 73, 'Put the flat block into the bin'),
]

_OGBENCH = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('og-ant', 8, 1000, 29, 'Run at high speed', 0.99),
    ('og-antball', 8, 200, 42, 'Push the soccer ball to the goal location'),
    ('og-point-arena', 2, 100, 9, 'Move the point mass to the red goal location'),
    ('og-point-maze', 2, 100, 9, 'Navigate through a maze to reach the red goal'),
    ('og-point-bottleneck', 2, 100, 9, 'Navigate the point mass to the red goal, avoiding obstacles'),
    ('og-point-circle', 2, 100, 9, 'Navigate the point mass around a circular maze to reach a red goal'),
    ('og-point-spiral', 2, 100, 9, 'Move to the red goal location by navigating through a spiral maze'),
    ('og-ant-arena', 8, 200, 36, 'Move the ant to the red goal'),
    ('og-ant-maze', 8, 200, 36, 'Navigate through a maze to reach the red goal'),
    ('og-ant-bottleneck', 8, 200, 36, 'Navigate to the red goal location, avoiding obstacles'),
    ('og-ant-circle', 8, 200, 36, 'Reach the red goal location by navigating through the circular maze'),
    ('og-ant-spiral', 8, 200, 36, 'The ant must traverse a spiral maze to reach a goal marked in red'),
]

_PYGAME = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('pygame-cowboy', 1, 500, 3, 'Jump to avoid obstacles'),
    ('pygame-coinrun', 1, 500, 12, 'Collect as many coins as possible'),
    ('pygame-spaceship', 2, 500, 14, 'Collect coins while avoiding asteroids'),
    ('pygame-pong', 1, 500, 6, 'Score against an AI opponent'),
    ('pygame-bird-attack', 2, 500, 55, 'Eliminate all enemies in a space-invaders style game'),
    ('pygame-highway', 2, 500, 24, 'Avoid collision with other vehicles'),
    ('pygame-landing', 2, 200, 7, 'Land the helicopter on the moving ship'),
    ('pygame-air-hockey', 2, 500, 12, 'Score points against the opponent'),
    ('pygame-rocket-collect', 2, 500, 21, 'Collect coins while avoiding asteroids'),
    ('pygame-chase-evade', 2, 500, 15, 'Take turns being the chaser or evader'),
    ('pygame-coconut-dodge', 1, 500, 29, 'Dodge falling coconuts'),
    ('pygame-cartpole-balance', 1, 500, 4, 'Balance the pole'),
    ('pygame-cartpole-swingup', 1, 500, 4, 'Swing up the pole and balance it'),
    ('pygame-cartpole-balance-sparse', 1, 500, 4, 'Balance the pole'),
    ('pygame-cartpole-swingup-sparse', 1, 500, 4, 'Swing up the pole and balance it'),
    ('pygame-cartpole-tremor', 1, 500, 4, 'Balance the pole amidst disturbances'),
    ('pygame-point-maze-var1', 2, 200, 44, 'Navigate to the target location'),
    ('pygame-point-maze-var2', 2, 200, 44, 'Navigate to the green target'),
    ('pygame-point-maze-var3', 2, 200, 44, 'Go to the green target location'),
]

_ATARI = [
    # name, action_dim, episode_length, native obs_dim (None: set by the library), instruction[, discount]
    ('atari-alien', 3, 1000, 128, 'Escape the maze and eliminate aliens', 0.99),
    ('atari-assault', 3, 1000, 128, 'Destroy enemy bases and dodge projectiles', 0.99),
    ('atari-asterix', 3, 1000, 128, 'Collect food and avoid Roman guards', 0.99),
    ('atari-atlantis', 3, 1000, 128, 'Defend the city from invading aircraft', 0.99),
    ('atari-bank-heist', 3, 1000, 128, 'Rob banks and escape the police', 0.99),
    ('atari-battle-zone', 3, 1000, 128, 'Destroy enemy tanks from your tank', 0.99),
    ('atari-beamrider', 3, 1000, 128, 'Shoot alien ships and avoid obstacles', 0.99),
    ('atari-boxing', 3, 1000, 128, 'Punch the opponent and score points in a boxing match', 0.99),
    ('atari-chopper-command', 3, 1000, 128, 'Protect trucks by shooting enemy aircraft', 0.99),
    ('atari-crazy-climber', 3, 1000, 128, 'Climb the skyscraper and avoid falling hazards', 0.99),
    ('atari-double-dunk', 3, 1000, 128, 'Score baskets in half-court basketball', 0.99),
    ('atari-gopher', 3, 1000, 128, 'Protect crops by blocking the gopher', 0.99),
    ('atari-ice-hockey', 3, 1000, 128, 'Score goals in a game of ice hockey', 0.99),
    ('atari-jamesbond', 3, 1000, 128, 'Rescue hostages and destroy enemy bases', 0.99),
    ('atari-kangaroo', 3, 1000, 128, 'Rescue your child while avoiding monkeys', 0.99),
    ('atari-krull', 3, 1000, 128, 'Defeat enemies and rescue the princess', 0.99),
    ('atari-ms-pacman', 3, 1000, 128, 'Eat pellets and avoid ghosts in a game of Ms. Pacman', 0.99),
    ('atari-name-this-game', 3, 1000, 128, 'Collect treasure and avoid sea creatures', 0.99),
    ('atari-phoenix', 3, 1000, 128, 'Shoot alien birds and destroy the mothership', 0.99),
    ('atari-pong', 3, 1000, 128, 'Score against an opponent in a game of Pong', 0.99),
    ('atari-road-runner', 3, 1000, 128, 'Collect bird seed and avoid the coyote', 0.99),
    ('atari-robotank', 3, 1000, 128, 'Eliminate enemy tanks in battle', 0.99),
    ('atari-seaquest', 3, 1000, 128, 'Rescue divers and fight underwater enemies', 0.99),
    ('atari-space-invaders', 3, 1000, 128, 'Shoot alien waves before they land in a game of Space Invaders', 0.99),
    ('atari-tutankham', 3, 1000, 128, 'Collect treasures and avoid tomb enemies', 0.99),
    ('atari-upndown', 3, 1000, 128, 'Collect flags and avoid crashing cars', 0.99),
    ('atari-yars-revenge', 3, 1000, 128, 'Destroy the Qotile while avoiding its weapon', 0.99),
]

_HELD_OUT = [
    # name, domain, action_dim, episode_length, obs_dim, instruction
    ("cartpole-balance-two-poles-sparse", "dmcontrol-ext", 1, 500, 8, "Balance the pole upright"),
    ("cartpole-balance-long-sparse", "dmcontrol-ext", 1, 500, 5, "Balance the pole upright"),
    ("walker-stand-incline", "dmcontrol-ext", 6, 500, 24, "Stand upright and maintain balance"),
    ("walker-walk-incline", "dmcontrol-ext", 6, 500, 24, "Walk forward at moderate speed"),
    ("walker-run-incline", "dmcontrol-ext", 6, 500, 24, "Run forward as fast as possible"),
    ("walker-arabesque", "dmcontrol-ext", 6, 500, 24, "Stand on one leg with the other leg extended backward"),
    ("walker-lie-down", "dmcontrol-ext", 6, 500, 24, "Lie down on the ground"),
    ("walker-legs-up", "dmcontrol-ext", 6, 500, 24, "Lie down with legs up"),
    ("walker-headstand", "dmcontrol-ext", 6, 500, 24, "Stand on your head"),
    ("spinner-spin-four", "dmcontrol-ext", 4, 500, 13, "Spin forward"),
    ("spinner-spin-backward-four", "dmcontrol-ext", 4, 500, 13, "Spin backward"),
    ("spinner-jump-four", "dmcontrol-ext", 4, 500, 13, "Jump as high as possible"),
    ("ms-push-apple", "maniskill", 7, 25, None, "Push the apple to the target"),
    ("ms-push-pear", "maniskill", 7, 25, None, "Push the pear to the target"),
    ("ms-push-rubiks-cube", "maniskill", 7, 25, None, "Push the rubiks cube to the target"),
    ("ms-push-can", "maniskill", 7, 25, None, "Push the can to the target"),
    ("ms-push-sponge", "maniskill", 7, 25, None, "Push the sponge to the target"),
    ("ms-push-banana", "maniskill", 7, 25, None, "Push the banana to the target"),
    ("ms-push-screwdriver", "maniskill", 7, 25, None, "Push the screwdriver to the target"),
    ("ms-pick-rubiks-cube", "maniskill", 7, 25, None, "Pick up the rubiks cube and move it to the target position"),
    ("ms-pick-cup", "maniskill", 7, 25, None, "Pick up the cup and move it to the target position"),
    ("ms-pick-golf-ball", "maniskill", 7, 25, None, "Pick up the golf ball and move it to the target position"),
    ("ms-pick-soccer-ball", "maniskill", 7, 25, None, "Pick up the soccer ball and move it to the target position"),
    ("og-point-var1", "ogbench", 2, 100, 9, "Navigate the point mass to the goal, avoiding obstacles"),
    ("og-point-var2", "ogbench", 2, 100, 9, "Navigate the point mass around a maze to reach a red goal"),
    ("pygame-point-maze-var4", "pygame", 2, 200, 44, "Navigate to the target location"),
    ("pygame-point-maze-var5", "pygame", 2, 200, 44, "Go to the target location"),
    ("pygame-point-maze-var6", "pygame", 2, 200, 44, "Navigate to the target"),
    ("pygame-point-maze-var7", "pygame", 2, 200, 44, "Go to the green target"),
    ("pygame-point-maze-var8", "pygame", 2, 200, 44, "Go to the target"),
    ("pygame-reacher-easy", "pygame", 2, 200, 6, "Reach for the red target"),
    ("pygame-reacher-hard", "pygame", 2, 200, 6, "Reach for the small red target"),
    ("pygame-reacher-var1", "pygame", 2, 200, 8, "Reach for the red target"),  # moving target: +2 velocity
    ("pygame-reacher-var2", "pygame", 2, 200, 6, "Reach for the red target"),
]

# Embodiment text, by task-name prefix (the longest matching prefix wins).
_EMBODIMENTS = {
    "walker-": "2D walker with 6 controllable joints across 2 legs",
    "cheetah-": "2D cheetah with 6 controllable joints across 2 legs",
    "reacher-": "2D reacher with 2 controllable joints",
    "reacher-three-": "2D reacher with 3 controllable joints",
    "acrobot-": "2D acrobot with 1 controllable joint, 2 links total",
    "pendulum-": "2D pendulum with 1 controllable joint",
    "cartpole-": "2D cartpole with 1 controllable joint (the cart) and a pole",
    "cartpole-balance-two-poles": "2D cartpole with 1 controllable joint (the cart) and two poles",
    "cup-": "2D cup that moves in any 2D direction and has a ball attached by string",
    "finger-": "2D finger with 2 controllable joints",
    "fish-": "3D fish with 5 controllable joints",
    "hopper-": "2D hopper with 4 controllable joints, 1 leg",
    "quadruped-": '3D quadruped ("ant") with 12 controllable joints across 4 legs',
    "jumper-": "2D jumper with 2 controllable joints across 2 legs",
    "spinner-": "2D spinner with 5 controllable joints across 5 arms",
    "spinner-spin-four": "2D spinner with 4 controllable joints across 4 arms",
    "spinner-spin-backward-four": "2D spinner with 4 controllable joints across 4 arms",
    "spinner-jump-four": "2D spinner with 4 controllable joints across 4 arms",
    "giraffe-": "2D giraffe with 7 controllable joints across 2 legs and the neck",
    "mw-": "Sawyer robot with a 2-finger gripper and delta end-effector position control",
    # The original text says 12 joints; the ManiSkill ant has 8 actuated joints.
    "ms-ant-": "Quadruped (ant) with 8 controllable joints across 4 legs",
    "ms-cartpole-": "Very simple cartpole with 1 controllable joint (the cart)",
    "ms-hopper-": "Classic 2D hopper with 4 controllable joints",
    "ms-": "Franka robot with a 2-finger gripper and delta end-effector 6D-pose control",
    "ms-pick-cube": "Franka robot with a 2-finger gripper and delta end-effector position control",
    "ms-place-sphere": "Franka robot with a 2-finger gripper and delta end-effector position control",
    "ms-reach": "Franka robot with a 2-finger gripper and delta end-effector position control",
    "ms-pick-cube-eepose": "Franka robot with a 2-finger gripper and delta end-effector 6D-pose control",
    "ms-reach-eepose": "Franka robot with a 2-finger gripper and delta end-effector 6D-pose control",
    "ms-pick-cube-so": "SO100 robot with a 2-finger gripper and delta joint position control",
    "ms-pick-cube-xarm6": "xArm6 robot with a 2-finger gripper and delta end-effector position control",
    "ms-reach-xarm6": "xArm6 robot with a 2-finger gripper and delta end-effector position control",
    "ms-anymal-": "Quadruped (Anymal robot) with 12 controllable joints across 4 legs",
    "mujoco-ant": "3D MuJoCo ant (quadruped) with 8 controllable joints across 4 legs",
    "mujoco-halfcheetah": "2D MuJoCo half-cheetah with 6 controllable joints",
    "mujoco-hopper": "2D MuJoCo hopper with 3 controllable joints",
    "mujoco-inverted-pendulum": "2D inverted pendulum problem with a controllable cart",
    "mujoco-reacher": "2D MuJoCo reacher with 2 controllable joints",
    "mujoco-walker": "2D MuJoCo walker with 6 controllable joints across its 2 legs",
    "bipedal-walker-": "2D cartoonish bipedal walker with 4 controllable joints across 2 legs",
    "lunarlander-": "2D lunar lander with 2 controllable thrusters",
    "rd-": "Franka robot with a 2-finger gripper and delta joint position control",
    "og-ant": "3D ant (quadruped) with 8 controllable joints across 4 legs",
    "og-point": "Simple 2D point mass with 2 controllable actions: x and y velocity",
    "pygame-cowboy": "2D side-scroller game with 1 controllable action: jump",
    "pygame-coinrun": "2D side-scroller game with 1 controllable action: jump",
    "pygame-spaceship": "2D side-scroller controlling a spaceship that moves in X and Y directions",
    "pygame-pong": "2D pong game with 1 controllable action: paddle movement",
    "pygame-bird-attack": "2D shooter game with 2 controllable actions: move and fire",
    "pygame-highway": "2D side-scroller controlling a vehicle that moves in X and Y directions",
    "pygame-landing": "2D helicopter that moves in X and Y directions",
    "pygame-air-hockey": "2D air hockey game with 2 controllable actions: paddle X and Y movement",
    "pygame-rocket-collect": "2D space rocket with 2 controllable actions: main engine and side thruster",
    "pygame-chase-evade": "2D chase and evade game with X and Y movement",
    "pygame-coconut-dodge": "2D minigame with a character that moves laterally",
    "pygame-cartpole-": "2D cartpole with 1 controllable joint (the cart), implemented in python",
    "pygame-point-maze-": "2D point mass with 2 controllable actions: x and y velocity",
    "pygame-reacher-": "2D reacher with 2 controllable joints, implemented in python",
    "atari-": "Atari game with 3 controllable actions: radius, theta, and fire",
}

# Score rules: the domain default, then per-task overrides (see each domain's maker for why).
_DOMAIN_SCORE = {
    "dmcontrol": return_score(1000.0),
    "dmcontrol-ext": return_score(1000.0),
    "metaworld": SUCCESS_SCORE,
    "maniskill": SUCCESS_SCORE,
    "mujoco": return_score(5000.0),
    "box2d": return_score(125.0),  # walker; the original's 250 matched its doubled forward reward
    "robodesk": SUCCESS_SCORE,
    "ogbench": SUCCESS_SCORE,
    "pygame": return_score(500.0),
    "atari": return_score(1.0),  # replaced per game by the Atari table below
}
_TASK_SCORE: dict[str, ScoreRule] = {
    # [quirk fixed] the original scores the ants 0 always (no success); their reward is <= 1 per
    # inner step and 500 agent steps x action repeat 2 = 1000 inner steps, so return / 1000.
    "ms-ant-walk": return_score(1000.0),
    "ms-ant-run": return_score(1000.0),
    "ms-cartpole-balance": return_score(1000.0),
    "ms-cartpole-swingup": return_score(1000.0),
    "ms-cartpole-balance-sparse": return_score(1000.0),
    "ms-cartpole-swingup-sparse": return_score(1000.0),
    # [quirk fixed] the original divides by 600, but 250 agent steps x 2 = 500 inner steps of reward <= 1.
    "ms-hopper-stand": return_score(500.0),
    "ms-hopper-hop": return_score(500.0),
    "mujoco-halfcheetah": return_score(15000.0),
    "mujoco-inverted-pendulum": return_score(1000.0),
    "mujoco-reacher": return_score(0.0, low=-50.0),
    "lunarlander-land": return_score(500.0),
    "lunarlander-hover": return_score(500.0),
    "lunarlander-takeoff": return_score(500.0),
    "og-ant": return_score(250.0),
    "pygame-coinrun": return_score(50.0),
    "pygame-spaceship": return_score(60.0),
    "pygame-pong": return_score(3.0, low=-3.0),
    "pygame-bird-attack": return_score(16.0),
    "pygame-highway": return_score(10.0),
    "pygame-landing": return_score(200.0),
    "pygame-air-hockey": return_score(10.0),
    "pygame-rocket-collect": return_score(25.0),
    "pygame-chase-evade": return_score(50.0, low=-50.0),
    "pygame-coconut-dodge": return_score(0.0, low=-15.0),
}
for _name in ("pygame-point-maze-var%d" % i for i in range(1, 9)):
    _TASK_SCORE[_name] = SUCCESS_SCORE
for _name in ("pygame-reacher-easy", "pygame-reacher-hard", "pygame-reacher-var1", "pygame-reacher-var2"):
    _TASK_SCORE[_name] = return_score(200.0)

# Extra maker parameters per task (variants are parameters, not copies). Filled by each domain.
_TASK_PARAMS: dict[str, dict[str, Any]] = {}

# --- dmcontrol-ext parameters ---
_TASK_PARAMS.update({})

# --- metaworld parameters ---
_TASK_PARAMS.update({})

# --- maniskill parameters ---
# env_id: the ManiSkill (or envs.maniskill_tasks) env; control: its control mode (None: the env's
# default joint-delta controller); robot: robot_uids passed to the env; model: the YCB model id.
_MS_PANDA_POSE = dict(control="pd_ee_delta_pose", robot="panda")
_MS_YCB = {  # task-name object -> YCB model id
    "apple": "013_apple", "banana": "011_banana", "can": "005_tomato_soup_can", "hammer": "048_hammer",
    "fork": "030_fork", "knife": "032_knife", "mug": "025_mug", "orange": "017_orange",
    "screwdriver": "044_flat_screwdriver", "spoon": "031_spoon", "tennis-ball": "056_tennis_ball",
    "baseball": "055_baseball", "sponge": "026_sponge", "rubiks-cube": "077_rubiks_cube",
    "cup": "065-a_cups", "golf-ball": "058_golf_ball", "soccer-ball": "053_mini_soccer_ball",
    "pear": "016_pear",
}
_TASK_PARAMS.update({
    "ms-ant-walk": dict(env_id="MS-AntWalk-v1", control=None),
    "ms-ant-run": dict(env_id="MS-AntRun-v1", control=None),
    "ms-cartpole-balance": dict(env_id="MS-CartpoleBalance-v1", control=None),
    "ms-cartpole-swingup": dict(env_id="MS-CartpoleSwingUp-v1", control=None),
    "ms-cartpole-balance-sparse": dict(env_id="MMBench-CartpoleBalanceSparse-v1", control=None),
    "ms-cartpole-swingup-sparse": dict(env_id="MMBench-CartpoleSwingUpSparse-v1", control=None),
    "ms-hopper-stand": dict(env_id="MS-HopperStand-v1", control=None),
    "ms-hopper-hop": dict(env_id="MS-HopperHop-v1", control=None),
    "ms-pick-cube": dict(env_id="PickCube-v1", control="pd_ee_delta_pos", robot="panda"),
    "ms-pick-cube-eepose": dict(env_id="PickCube-v1", **_MS_PANDA_POSE),
    "ms-pick-cube-so": dict(env_id="PickCubeSO100-v1", control="pd_joint_delta_pos"),
    "ms-pick-cube-xarm6": dict(env_id="PickCube-v1", control="pd_ee_delta_pos", robot="xarm6_robotiq"),
    "ms-poke-cube": dict(env_id="PokeCube-v1", **_MS_PANDA_POSE),
    "ms-push-cube": dict(env_id="PushCube-v1", **_MS_PANDA_POSE),
    "ms-pull-cube": dict(env_id="PullCube-v1", **_MS_PANDA_POSE),
    "ms-pull-cube-tool": dict(env_id="PullCubeTool-v1", **_MS_PANDA_POSE),
    "ms-stack-cube": dict(env_id="StackCube-v1", **_MS_PANDA_POSE),
    "ms-place-sphere": dict(env_id="PlaceSphere-v1", control="pd_ee_delta_pos", robot="panda"),
    "ms-lift-peg": dict(env_id="LiftPegUpright-v1", **_MS_PANDA_POSE),
    "ms-reach": dict(env_id="MMBench-Reach-v1", control="pd_ee_delta_pos", robot="panda"),
    "ms-reach-eepose": dict(env_id="MMBench-Reach-v1", **_MS_PANDA_POSE),
    "ms-reach-xarm6": dict(env_id="MMBench-Reach-v1", control="pd_ee_delta_pos", robot="xarm6_robotiq"),
    "ms-anymal-reach": dict(env_id="AnymalC-Reach-v1", control="pd_joint_delta_pos", robot="anymal_c"),
})
_TASK_PARAMS.update({
    f"ms-{verb}-{obj}": dict(env_id=env_id, model=_MS_YCB[obj], **_MS_PANDA_POSE)
    for verb, env_id, objs in (
        ("pick", "MMBench-PickSingleYCB-v1", ("apple", "banana", "can", "hammer", "fork", "knife", "mug",
                                             "orange", "screwdriver", "spoon", "tennis-ball", "baseball",
                                             "sponge", "rubiks-cube", "cup", "golf-ball", "soccer-ball")),
        ("push", "MMBench-PushSingleYCB-v1", ("apple", "pear", "rubiks-cube", "can", "sponge", "banana",
                                             "screwdriver")),
    )
    for obj in objs
})

# --- mujoco parameters ---
_TASK_PARAMS.update({})

# --- box2d parameters ---
_TASK_PARAMS.update({
    **{f"bipedal-walker-{t}": {"terrain": t} for t in ("flat", "uneven", "rugged", "hills", "obstacles")},
    **{f"lunarlander-{g}": {"goal": g} for g in ("land", "hover", "takeoff")},
})

# --- robodesk parameters ---
_TASK_PARAMS.update({})

# --- ogbench parameters ---
# og-<body>-<layout>: a maze task ("maze" is OGBench's medium map); og-ant and og-antball are not.
_TASK_PARAMS.update({"og-ant": {"env": "ant"}, "og-antball": {"env": "antball"}})
for _name in [r[0] for r in _OGBENCH] + [r[0] for r in _HELD_OUT if r[1] == "ogbench"]:
    if _name not in _TASK_PARAMS:
        _, _loco, _layout = _name.split("-")
        _TASK_PARAMS[_name] = {"env": "maze", "loco": _loco, "layout": {"maze": "medium"}.get(_layout, _layout)}

# --- atari parameters ---
# task -> (ALE game id, score low, score high): the score is clip((R - low) / (high - low), 0, 1).
_ATARI_GAMES = {
    "atari-alien": ("Alien", 0, 1000), "atari-assault": ("Assault", 0, 1000),
    "atari-asterix": ("Asterix", 0, 5000), "atari-atlantis": ("Atlantis", 0, 50000),
    "atari-bank-heist": ("BankHeist", 0, 1000), "atari-battle-zone": ("BattleZone", 0, 15000),
    "atari-beamrider": ("BeamRider", 0, 2000), "atari-boxing": ("Boxing", -100, 100),
    "atari-chopper-command": ("ChopperCommand", 0, 1000), "atari-crazy-climber": ("CrazyClimber", 0, 20000),
    "atari-double-dunk": ("DoubleDunk", 0, 25), "atari-gopher": ("Gopher", 0, 2000),
    "atari-ice-hockey": ("IceHockey", -15, 15), "atari-jamesbond": ("Jamesbond", 0, 1000),
    "atari-kangaroo": ("Kangaroo", 0, 10000), "atari-krull": ("Krull", 0, 10000),
    "atari-ms-pacman": ("MsPacman", 0, 5000), "atari-name-this-game": ("NameThisGame", 0, 3000),
    "atari-phoenix": ("Phoenix", 0, 1000), "atari-pong": ("Pong", -21, 21),
    "atari-road-runner": ("RoadRunner", 0, 50000), "atari-robotank": ("Robotank", 0, 50),
    "atari-seaquest": ("Seaquest", 0, 5000), "atari-space-invaders": ("SpaceInvaders", 0, 2000),
    "atari-tutankham": ("Tutankham", 0, 100), "atari-upndown": ("UpNDown", 0, 5000),
    "atari-yars-revenge": ("YarsRevenge", 0, 20000),
}
for _name, (_game, _low, _high) in _ATARI_GAMES.items():
    _TASK_PARAMS[_name] = {"game": _game}
    _TASK_SCORE[_name] = return_score(float(_high), low=float(_low))


def _embodiment(name: str) -> str:
    matches = [p for p in _EMBODIMENTS if name.startswith(p)]
    if not matches:
        raise KeyError(f"no embodiment text for task {name!r}")
    return _EMBODIMENTS[max(matches, key=len)]


def _build() -> dict[str, TaskSpec]:
    tables = {
        "dmcontrol": _DMCONTROL, "dmcontrol-ext": _DMCONTROL_EXT, "metaworld": _METAWORLD,
        "maniskill": _MANISKILL, "mujoco": _MUJOCO, "box2d": _BOX2D, "robodesk": _ROBODESK,
        "ogbench": _OGBENCH, "pygame": _PYGAME, "atari": _ATARI,
    }
    rows = [(domain, *row, True) for domain in DOMAINS for row in tables[domain]]
    rows += [(domain, name, act, length, obs, instr, None, False)
             for name, domain, act, length, obs, instr in _HELD_OUT]
    registry: dict[str, TaskSpec] = {}
    for row in rows:
        if len(row) == 7:  # no explicit discount
            domain, name, act, length, obs, instr, soup = row
            discount = None
        else:
            domain, name, act, length, obs, instr, discount, soup = row
        if name in registry:
            raise ValueError(f"task {name!r} is registered twice")
        if not 1 <= act <= MAX_ACTION_DIM or (obs is not None and obs > MAX_OBS_DIM):
            raise ValueError(f"task {name!r}: action_dim {act} or obs_dim {obs} out of range")
        registry[name] = TaskSpec(
            name=name, domain=domain, embodiment=_embodiment(name), instruction=instr,
            action_dim=act, episode_length=length, obs_dim=obs,
            score=_TASK_SCORE.get(name, _DOMAIN_SCORE[domain]), discount=discount, soup=soup,
            params=MappingProxyType(dict(_TASK_PARAMS.get(name, {}))),
        )
    return registry


TASKS: Mapping[str, TaskSpec] = MappingProxyType(_build())


def _derive_sets() -> dict[str, tuple[str, ...]]:
    soup = tuple(n for n, t in TASKS.items() if t.soup)
    sets = {"soup": soup}
    for domain in DOMAINS:
        sets[domain] = tuple(n for n in soup if TASKS[n].domain == domain)
    sets["held-out"] = tuple(n for n, t in TASKS.items() if not t.soup)
    return sets


TASK_SETS: Mapping[str, tuple[str, ...]] = MappingProxyType(_derive_sets())


def get_task(name: str) -> TaskSpec:
    """The spec of a registered task; a clear error naming close matches otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        import difflib
        close = difflib.get_close_matches(name, TASKS, n=5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise ValueError(
            f"unknown task {name!r}.{hint} Accepted: any of the {len(TASKS)} registered tasks "
            f"(`python -m envs list`) or a task set: {', '.join(TASK_SETS)}"
        ) from None


def resolve_tasks(name_or_set: str) -> tuple[str, ...]:
    """A task set name to its tasks in canonical order, or a single task name to (name,)."""
    if name_or_set in TASK_SETS:
        return TASK_SETS[name_or_set]
    get_task(name_or_set)
    return (name_or_set,)


def task_id(name: str) -> int:
    """Global id of a soup task (its index in `soup`); held-out tasks come after the soup."""
    get_task(name)
    return list(TASKS).index(name)
