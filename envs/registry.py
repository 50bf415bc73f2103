"""The MMBench task registry: the TaskSpec type, the task sets and the lookups.

A task is a :class:`TaskSpec` (domain, embodiment, instruction, action dim, episode length,
discount override, score rule, maker parameters, step cost), built from its one row in
``envs/tasks/<domain>.py``. Task sets (``soup``, ``dmcontrol``, ...) are derived from the rows,
never kept as a second hand-written list. A task's global id is its index in ``soup``; demos,
embeddings and action masks are indexed by it.

Each domain has one maker, imported lazily on first use (``envs.<module>:make``), so a machine
without, say, ManiSkill can still run DMControl.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from types import MappingProxyType, ModuleType
from typing import Any

from envs import tasks as _tasks
from envs.scoring import SUCCESS_SCORE, ScoreRule, return_score

__all__ = [
    "DOMAINS",
    "MAKERS",
    "MAX_ACTION_DIM",
    "MAX_OBS_DIM",
    "SUCCESS_SCORE",
    "TASKS",
    "TASK_SETS",
    "ScoreRule",
    "TaskSpec",
    "build",
    "get_task",
    "resolve_tasks",
    "return_score",
    "task_id",
]

MAX_OBS_DIM = 128  # observations are right-padded with zeros to this size in the multitask env
MAX_ACTION_DIM = 16  # actions are 16-D; a task reads only its first `action_dim` entries


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
    step_cost_us: float = 300.0  # typical agent-step cost (pool load balancing only; ratios matter)

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

    def __reduce__(self):  # picklable (for pool workers) although `params` is a read-only view
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return _spec_from_fields, ({**fields, "params": dict(self.params)},)


def _spec_from_fields(fields: dict[str, Any]) -> TaskSpec:
    return TaskSpec(**{**fields, "params": MappingProxyType(fields["params"])})


_DOMAIN_MODULES = _tasks.domain_modules()

# Which module makes the tasks of each domain (imported lazily by envs.make).
MAKERS: Mapping[str, str] = MappingProxyType({m.DOMAIN: m.MAKER for m in _DOMAIN_MODULES})

# Domains in canonical soup order.
DOMAINS = tuple(MAKERS)


def _spec(domain: ModuleType, row: _tasks.Row) -> TaskSpec:
    score = row.score if row.score is not None else getattr(domain, "SCORE", None)
    if score is None:
        raise ValueError(f"task {row.name!r}: no score rule in its row and none for domain {domain.DOMAIN!r}")
    if not 1 <= row.action_dim <= MAX_ACTION_DIM or (row.obs_dim is not None and row.obs_dim > MAX_OBS_DIM):
        raise ValueError(f"task {row.name!r}: action_dim {row.action_dim} or obs_dim {row.obs_dim} "
                         f"out of range (1..{MAX_ACTION_DIM}, ..{MAX_OBS_DIM})")
    return TaskSpec(
        name=row.name, domain=domain.DOMAIN, embodiment=row.embodiment, instruction=row.instruction,
        action_dim=row.action_dim, episode_length=row.episode_length, obs_dim=row.obs_dim, score=score,
        discount=row.discount, soup=row.soup, params=MappingProxyType(dict(row.params)),
        step_cost_us=row.step_cost_us if row.step_cost_us is not None else domain.STEP_COST_US,
    )


def build(domains: Iterable[ModuleType]) -> dict[str, TaskSpec]:
    """TaskSpecs from the domain modules' rows: the soup tasks in domain order, then the held-out ones."""
    domains = tuple(domains)
    rows = [(d, r) for soup in (True, False) for d in domains for r in d.ROWS if r.soup is soup]
    registry: dict[str, TaskSpec] = {}
    for domain, row in rows:
        if row.name in registry:
            raise ValueError(f"task {row.name!r} is registered twice")
        registry[row.name] = _spec(domain, row)
    return registry


TASKS: Mapping[str, TaskSpec] = MappingProxyType(build(_DOMAIN_MODULES))


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
