"""The task registry's contract: task table, canonical soup order, sets, discounts, scores, makers.

The canonical order and the set sizes below are the MMBench soup as listed in the specification
(section 1); a task's global id (demos, embeddings, action masks) is its index in that order.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import pickle
import types

import numpy as np
import pytest

import envs
import envs.tasks
from envs import registry
from envs.registry import DOMAINS, MAKERS, TASK_SETS, TASKS, ScoreRule, get_task, resolve_tasks, task_id
from envs.tasks import Row

# The soup in canonical order, per domain block (MMBench specification, section 1).
CANONICAL_SOUP = [
    ("dmcontrol", """
        walker-stand walker-walk walker-run cheetah-run reacher-easy reacher-hard acrobot-swingup
        pendulum-swingup cartpole-balance cartpole-balance-sparse cartpole-swingup cartpole-swingup-sparse
        cup-catch finger-spin finger-turn-easy finger-turn-hard fish-swim hopper-stand hopper-hop
        quadruped-walk quadruped-run
    """),
    ("dmcontrol-ext", """
        walker-walk-backward walker-run-backward cheetah-run-backward cheetah-run-front cheetah-run-back
        cheetah-jump hopper-hop-backward reacher-three-easy reacher-three-hard cup-spin pendulum-spin
        jumper-jump spinner-spin spinner-spin-backward spinner-jump giraffe-run
    """),
    ("metaworld", """
        mw-assembly mw-basketball mw-button-press-topdown mw-button-press-topdown-wall mw-button-press
        mw-button-press-wall mw-coffee-button mw-coffee-pull mw-coffee-push mw-dial-turn mw-disassemble
        mw-door-open mw-door-close mw-drawer-close mw-drawer-open mw-faucet-open mw-faucet-close mw-hammer
        mw-handle-press-side mw-handle-press mw-handle-pull-side mw-handle-pull mw-lever-pull
        mw-peg-insert-side mw-peg-unplug-side mw-pick-out-of-hole mw-pick-place mw-pick-place-wall
        mw-plate-slide mw-plate-slide-side mw-plate-slide-back mw-plate-slide-back-side mw-push-back
        mw-push mw-push-wall mw-reach mw-reach-wall mw-soccer mw-stick-push mw-stick-pull mw-sweep-into
        mw-sweep mw-window-open mw-window-close mw-bin-picking mw-box-close mw-door-lock mw-door-unlock
        mw-hand-insert
    """),
    ("maniskill", """
        ms-ant-walk ms-ant-run ms-cartpole-balance ms-cartpole-swingup ms-hopper-stand ms-hopper-hop
        ms-pick-cube ms-pick-cube-eepose ms-pick-cube-so ms-poke-cube ms-push-cube ms-pull-cube
        ms-pull-cube-tool ms-stack-cube ms-place-sphere ms-lift-peg ms-pick-apple ms-pick-banana
        ms-pick-can ms-pick-hammer ms-pick-fork ms-pick-knife ms-pick-mug ms-pick-orange
        ms-pick-screwdriver ms-pick-spoon ms-pick-tennis-ball ms-pick-baseball ms-pick-cube-xarm6
        ms-pick-sponge ms-anymal-reach ms-reach ms-reach-eepose ms-reach-xarm6 ms-cartpole-balance-sparse
        ms-cartpole-swingup-sparse
    """),
    ("mujoco", """
        mujoco-ant mujoco-halfcheetah mujoco-hopper mujoco-inverted-pendulum mujoco-reacher mujoco-walker
    """),
    ("box2d", """
        bipedal-walker-flat bipedal-walker-uneven bipedal-walker-rugged bipedal-walker-hills
        bipedal-walker-obstacles lunarlander-land lunarlander-hover lunarlander-takeoff
    """),
    ("robodesk", """
        rd-push-red rd-push-green rd-push-blue rd-open-slide rd-open-drawer rd-flat-block-in-bin
    """),
    ("ogbench", """
        og-ant og-antball og-point-arena og-point-maze og-point-bottleneck og-point-circle og-point-spiral
        og-ant-arena og-ant-maze og-ant-bottleneck og-ant-circle og-ant-spiral
    """),
    ("pygame", """
        pygame-cowboy pygame-coinrun pygame-spaceship pygame-pong pygame-bird-attack pygame-highway
        pygame-landing pygame-air-hockey pygame-rocket-collect pygame-chase-evade pygame-coconut-dodge
        pygame-cartpole-balance pygame-cartpole-swingup pygame-cartpole-balance-sparse
        pygame-cartpole-swingup-sparse pygame-cartpole-tremor pygame-point-maze-var1
        pygame-point-maze-var2 pygame-point-maze-var3
    """),
    ("atari", """
        atari-alien atari-assault atari-asterix atari-atlantis atari-bank-heist atari-battle-zone
        atari-beamrider atari-boxing atari-chopper-command atari-crazy-climber atari-double-dunk
        atari-gopher atari-ice-hockey atari-jamesbond atari-kangaroo atari-krull atari-ms-pacman
        atari-name-this-game atari-phoenix atari-pong atari-road-runner atari-robotank atari-seaquest
        atari-space-invaders atari-tutankham atari-upndown atari-yars-revenge
    """),
]
SOUP = [n for _, block in CANONICAL_SOUP for n in block.split()]
SET_COUNTS = {"dmcontrol": 21, "dmcontrol-ext": 16, "metaworld": 49, "maniskill": 36, "mujoco": 6,
              "box2d": 8, "robodesk": 6, "ogbench": 12, "pygame": 19, "atari": 27}
# Tasks whose tasks.json entry carries an explicit discount_factor of 0.99 (spec section 10.3).
EXPLICIT_DISCOUNT = {"ms-hopper-stand", "ms-hopper-hop", "mujoco-ant", "mujoco-inverted-pendulum",
                     "mujoco-halfcheetah", "mujoco-hopper", "mujoco-walker", "og-ant",
                     *TASK_SETS["box2d"], *TASK_SETS["atari"]}


def test_registry_has_234_tasks_200_in_the_soup():
    assert len(TASKS) == 234
    assert len(TASK_SETS["soup"]) == 200
    assert len(TASK_SETS["held-out"]) == 34
    assert set(TASK_SETS["soup"]) | set(TASK_SETS["held-out"]) == set(TASKS)
    assert not set(TASK_SETS["soup"]) & set(TASK_SETS["held-out"])


def test_soup_is_in_canonical_order():
    assert len(SOUP) == 200
    assert list(TASK_SETS["soup"]) == SOUP
    assert [task_id(n) for n in SOUP] == list(range(200))


@pytest.mark.parametrize("domain", list(SET_COUNTS))
def test_domain_set_count_and_order(domain):
    expected = dict(CANONICAL_SOUP)[domain].split()
    assert len(expected) == SET_COUNTS[domain]
    assert list(TASK_SETS[domain]) == expected
    assert all(TASKS[n].domain == domain for n in TASK_SETS[domain])
    assert resolve_tasks(domain) == TASK_SETS[domain]


def test_domains_are_the_ten_soup_blocks_in_order():
    assert list(DOMAINS) == [d for d, _ in CANONICAL_SOUP] == list(SET_COUNTS)
    assert sum(SET_COUNTS.values()) == 200


def test_names_unique_and_a_duplicate_row_is_rejected():
    every = list(TASK_SETS["soup"]) + list(TASK_SETS["held-out"])
    assert len(every) == len(set(every)) == len(TASKS)
    modules = envs.tasks.domain_modules()
    assert registry.build(modules) == dict(TASKS)
    ext = next(m for m in modules if m.DOMAIN == "dmcontrol-ext")
    dup = Row(name="walker-walk", action_dim=6, episode_length=500, obs_dim=24, embodiment="a walker",
              instruction="Walk forward at moderate speed", soup=False)
    fields = {k: getattr(ext, k) for k in ("DOMAIN", "MAKER", "SCORE", "STEP_COST_US")}
    patched = types.SimpleNamespace(**fields, ROWS=(*ext.ROWS, dup))
    with pytest.raises(ValueError, match="walker-walk"):
        registry.build([patched if m is ext else m for m in modules])


def test_rows_are_keyword_only_and_held_out_rows_follow_the_soup():
    with pytest.raises(TypeError):
        Row("walker-walk", 6, 500, 24, "a walker", "Walk")  # positional rows are not accepted
    soup = list(TASK_SETS["soup"])
    assert list(TASKS)[: len(soup)] == soup


def test_specs_pickle_for_pool_workers():
    for spec in (TASKS["walker-walk"], TASKS["ms-pick-apple"], TASKS["mujoco-ant"]):
        again = pickle.loads(pickle.dumps(spec))
        assert again == spec and dict(again.params) == dict(spec.params)
        assert spec.step_cost_us > 0


@pytest.mark.parametrize("name", list(TASKS))
def test_task_fields_within_limits(name):
    spec = TASKS[name]
    assert spec.name == name
    assert spec.domain in MAKERS
    assert 1 <= spec.action_dim <= registry.MAX_ACTION_DIM
    assert spec.obs_dim is None or 1 <= spec.obs_dim <= registry.MAX_OBS_DIM
    assert spec.episode_length > 0
    assert spec.embodiment and spec.instruction
    assert spec.text == f"{spec.embodiment}. {spec.instruction}."
    assert 0.9 <= spec.gamma < 1.0


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_maker_imports(domain):
    maker = envs.maker_for(domain)
    assert callable(maker), f"{MAKERS[domain]} is not callable"
    params = inspect.signature(maker).parameters
    assert list(params)[:1] == ["spec"] and {"seed", "render_mode"} <= set(params), (
        f"{MAKERS[domain]} signature {inspect.signature(maker)} does not follow the maker contract "
        "make(spec, seed=None, render_mode=None)")


@pytest.mark.parametrize("length, gamma", [(25, 0.95), (50, 0.95), (100, 0.95), (200, 0.975),
                                           (500, 0.99), (1000, 0.995), (5000, 0.995)])
def test_discount_heuristic(length, gamma):
    spec = dataclasses.replace(TASKS["walker-walk"], episode_length=length, discount=None)
    assert spec.gamma == pytest.approx(gamma, abs=1e-12)


def test_explicit_discount_wins():
    spec = dataclasses.replace(TASKS["walker-walk"], episode_length=1000, discount=0.9)
    assert spec.gamma == 0.9


def test_registered_discounts_match_the_task_table():
    explicit = {n for n, t in TASKS.items() if t.discount is not None}
    assert explicit == EXPLICIT_DISCOUNT
    assert all(TASKS[n].gamma == 0.99 for n in EXPLICIT_DISCOUNT)
    heuristic = {100: 0.95, 200: 0.975, 500: 0.99, 1000: 0.995}
    for name, spec in TASKS.items():
        if spec.discount is None and spec.episode_length in heuristic:
            assert spec.gamma == pytest.approx(heuristic[spec.episode_length]), name


@pytest.mark.parametrize("name", list(TASKS))
def test_score_rule_in_unit_interval_and_monotone(name):
    rule = TASKS[name].score
    if rule.kind == "success":
        assert rule(0.0, 0.0) == 0.0 and rule(0.0, 1.0) == 1.0
        assert rule(123.0, math.nan) == 0.0  # no success notion: never counts as solved
        return
    assert rule.high > rule.low
    span = rule.high - rule.low
    returns = np.linspace(rule.low - span, rule.high + span, 301)
    scores = np.array([rule(r, math.nan) for r in returns])
    assert np.all((scores >= 0.0) & (scores <= 1.0))
    assert np.all(np.diff(scores) >= 0.0)
    assert rule(rule.low, math.nan) == 0.0 and rule(rule.high, math.nan) == 1.0
    assert rule(rule.low + 0.5 * span, math.nan) == pytest.approx(0.5)


def test_bad_score_rules_are_rejected():
    with pytest.raises(ValueError, match="'ratio'"):
        ScoreRule("ratio")
    with pytest.raises(ValueError, match=r"low=1\.0, high=1\.0"):
        ScoreRule("return", 1.0, 1.0)


BAD_NAMES = [("walker-wlak", "walker-walk"), ("cartpole-balanse", "cartpole-balance"),
             ("mw-door-opn", "mw-door-open")]


@pytest.mark.parametrize("bad, close", BAD_NAMES)
def test_bad_task_name_names_value_and_close_matches(bad, close):
    for fn in (get_task, resolve_tasks, envs.make):
        with pytest.raises(ValueError) as err:
            fn(bad)
        assert repr(bad) in str(err.value) and close in str(err.value)


def test_unknown_name_without_close_match_lists_the_sets():
    with pytest.raises(ValueError, match="'zzzz'") as err:
        get_task("zzzz")
    assert "soup" in str(err.value) and "Did you mean" not in str(err.value)


def test_bad_render_mode_is_rejected_before_making():
    with pytest.raises(ValueError, match="'human'"):
        envs.make("walker-walk", render_mode="human")
