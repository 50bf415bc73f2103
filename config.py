"""The run configuration: a structured dataclass registered with Hydra, and `derive()`.

`Config` holds what a user sets: every option and its default, once (config.yaml only points Hydra
here), overridden on the command line.
`derive(cfg)` validates it and computes every derived value once (task list, per-task discounts
and action dims, seeding steps, model dimensions, device) into a frozen `Derived` record. No code
writes back into the config afterwards.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Optional

from hydra.core.config_store import ConfigStore


@dataclass
class Config:
    # --- run ---
    task: Any = "soup"  # a task name, a task set (soup, dmcontrol, metaworld, ...) or a list: task=[mw-reach,mw-push]
    obs: str = "state"  # observation type: state, or rgb (state + frozen DINOv2 features of a 224x224 frame per step)
    vision_model: str = "facebook/dinov2-base"  # obs=rgb: the encoder, from the local Hugging Face cache, a directory (PATH), or "random" (tests)
    steps: int = 100_000  # total environment steps (summed over all envs)
    seed: int = 1  # seeds torch, numpy and the envs
    exp_name: str = "default"  # run name: logs go to logs/<task>/<seed>/<exp_name>/
    device: str = "auto"  # auto (cuda if available), cpu or cuda
    checkpoint: Optional[str] = None  # resume from this checkpoint file (or, with finetune=true, start from its weights)
    finetune: bool = False  # load a multitask checkpoint's weights into this single-task run, with fresh optimisers
    num_envs: Optional[int] = None  # parallel envs; default 2 for one task, one per task for a set
    skip_unavailable: bool = False  # leave out (with a log line) the tasks whose assets are not installed here, e.g. some ManiSkill tasks
    num_workers: Optional[int] = None  # env worker processes; 0 steps envs in-process; default 0 for one task, one per core for a set
    env_timeout: Optional[float] = 600.0  # seconds without an answer before a worker counts as hung and is restarted (null: never)
    max_restarts: int = 3  # worker restarts (after a crash, hang or env exception) allowed per worker within restart_window; 0: stop at the first fault
    restart_window: int = 1000  # vector steps over which max_restarts is counted
    compile: bool = False  # torch.compile planning and update (GPU; measured to not help on CPU)
    precision: str = "fp32"  # matmul precision of planning and updates: fp32, or bf16 (bf16 matmul inputs, fp32 everything else; newt/precision.py)
    # --- model ---
    model_size: Optional[str] = None  # S, B, L or XL (parameters in the README); default B for one task (5.0M, as TD-MPC2 and Newt), L for a task set
    num_bins: int = 101  # bins of the two-hot reward and value heads
    vmin: float = -10.0  # two-hot support, in symlog space
    vmax: float = 10.0
    simnorm_dim: int = 8  # SimNorm group size
    log_std_min: float = -10.0  # policy log-std range
    log_std_max: float = 2.0
    dropout: Optional[float] = None  # dropout in the first Q layer; default 0.01 for one task (TD-MPC2), 0 for a task set (Newt)
    # --- planning (MPPI) ---
    mpc: bool = True  # plan with MPPI; false acts with the policy prior alone
    horizon: int = 3  # planning and model-rollout horizon H
    iterations: int = 6  # MPPI iterations per step
    num_samples: int = 512  # action sequences per iteration
    num_elites: int = 64  # sequences the new distribution is fit to
    num_pi_trajs: int = 24  # of the samples, how many come from the policy prior
    min_std: float = 0.05  # sampling std range
    max_std: float = 2.0
    temperature: float = 0.5  # MPPI softmax temperature
    constrained_planning: Optional[bool] = None  # start MPPI from the policy's mean/std (Newt); default on for task sets and finetuning
    constraint_start_step: Optional[int] = None  # constraint weight 1 until this env step (default: the end of seeding)
    constraint_final_step: int = 10_000_000  # then annealed linearly to 0 over this many env steps (the original's formula)
    # --- training ---
    batch_size: Optional[int] = None  # slices of H+1 steps per update; default 256 for one task, 1024 for a set
    utd: Optional[float] = None  # updates per env step; default 1 for one task, 0.075 for a set
    seeding_coef: int = 5  # seeding episodes: per env for a task set (longest task), in all for one task
    seed_steps: Optional[int] = None  # seeding env steps in total, overriding seeding_coef
    seed_burst: Optional[bool] = None  # at the end of seeding, one update per seeding step (TD-MPC2), then utd; default on for one task, off for a set (Newt)
    buffer_size: int = 1_000_000  # replay capacity in transitions
    use_demos: Optional[bool] = None  # pretrain on demos and mix them into every batch; default on for task sets
    demo_dir: str = "demos"  # <demo_dir>/<task>.pt demo files (python -m newt.demos generate ...; docs/demos.md)
    demo_steps: int = 200_000  # pretraining updates on demos alone before online training (0: none)
    warmup_steps: int = 5_000  # linear learning-rate warmup over the first updates of a run that pretrains
    sampling: str = "episode"  # episode: each stored episode equally likely (the original's); transition: each step
    lr: float = 3e-4  # Adam learning rate
    enc_lr_scale: float = 0.3  # encoder learning rate multiplier
    grad_clip_norm: float = 20.0  # gradient norm clip
    rho: float = 0.5  # per-step weight decay of the losses over the horizon
    consistency_coef: float = 20.0  # latent consistency loss weight
    reward_coef: float = 0.1  # reward cross-entropy weight
    value_coef: float = 0.1  # value cross-entropy weight
    entropy_coef: float = 1e-4  # policy entropy bonus (scaled by the number of valid action dims)
    prior_coef: float = 1.0  # weight of the policy prior term (BC + entropy) in the model loss during demo pretraining (update(pretrain=True)), as Newt's trainer
    tau: float = 0.01  # Polyak rate of the target Q-networks and the running Q scale
    # --- evaluation, checkpoints, logging ---
    eval_freq: int = 10_000  # evaluate every this many env steps
    eval_episodes: int = 2  # episodes per task per evaluation
    eval_mpc: Optional[bool] = None  # plan during evaluation (default: as `mpc`); false: the policy alone, cheap for many tasks
    save_video: bool = False  # eval.py: also write one MP4 per task (first episode)
    eval_dir: Optional[str] = None  # eval.py: report folder (default: eval/<task>/ next to the checkpoint)
    save_freq: Optional[int] = None  # checkpoint every this many env steps (default: eval_freq)
    save_buffer: Optional[bool] = None  # checkpoints also hold the replay buffer (filled rows), the RNG states, the envs' episode counters and the planner warm starts, for an exact resume; default on for one task, off for task sets
    enable_wandb: bool = False  # log to wandb (WANDB_MODE=offline works without a network)
    wandb_project: str = "newt"
    wandb_entity: Optional[str] = None
    log_dir: str = "logs"  # root of the run directories


@dataclass(frozen=True)
class ModelSize:
    """The widths and counts that a model size sets."""

    name: str  # S, B, L or XL
    enc_dim: int  # encoder hidden width
    mlp_dim: int  # hidden width of dynamics, reward, policy and Q
    latent_dim: int  # latent state size (a multiple of simnorm_dim)
    num_enc_layers: int  # encoder layers (hidden layers + output layer)
    num_q: int  # Q-ensemble members


MODEL_SIZES = {s.name: s for s in (
    ModelSize("S", enc_dim=128, mlp_dim=256, latent_dim=384, num_enc_layers=2, num_q=3),
    ModelSize("B", enc_dim=256, mlp_dim=512, latent_dim=512, num_enc_layers=2, num_q=5),
    ModelSize("L", enc_dim=1024, mlp_dim=1024, latent_dim=512, num_enc_layers=3, num_q=5),
    ModelSize("XL", enc_dim=2048, mlp_dim=2048, latent_dim=704, num_enc_layers=4, num_q=7),
)}
OBS_TYPES = ("state", "rgb")  # rgb: state + frozen DINOv2 features of each step's frame (newt/vision.py)
RGB_FEATURE_DIM = 768  # DINOv2-base CLS feature; an rgb observation is [state 128 | feature 768]
DEVICES = ("auto", "cpu", "cuda")


class ConfigError(ValueError):
    """A config value is not accepted; the message names it and the accepted values."""


@dataclass(frozen=True)
class Derived:
    """Values computed once from the config."""

    task_label: str  # the task option as one path-safe name (run folder, progress bar, wandb)
    tasks: tuple[str, ...]  # the run's distinct tasks, in canonical order; model task index = position
    skipped_tasks: tuple[str, ...]  # tasks left out of the envs (skip_unavailable); they keep their model slot
    env_tasks: tuple[str, ...]  # task of each env slot
    multitask: bool
    action_dims: tuple[int, ...]  # per run task
    discounts: tuple[float, ...]  # per run task
    num_envs: int
    num_workers: int | None  # None: one worker process per core (capped by the number of envs)
    utd: float
    batch_size: int
    seed_steps: int
    constrained_planning: bool
    constraint_start_step: int
    seed_burst: bool  # one update per seeding step when seeding ends
    use_demos: bool
    save_freq: int
    save_buffer: bool
    device: str
    size: ModelSize  # model_size, resolved: B for one task, L for a set unless set
    dropout: float  # Q dropout, resolved: 0.01 for one task, 0 for a set unless set
    task_dim: int  # size of the task embedding (0 for single-task runs)
    obs_dim: int = 128
    action_dim: int = 16
    run_dir: str = ""


def _check(ok: bool, msg: str) -> None:
    if not ok:
        raise ConfigError(msg)


_KINDS = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}


def _check_types(cfg: Config) -> None:
    """Every field holds a value of its declared type (Hydra checks its own overrides; this also
    covers a Config built in code). bool is not accepted as an int, nor a NaN as a float."""
    import dataclasses
    import math

    for f in dataclasses.fields(Config):
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        optional = kind.startswith("Optional[")
        kind = kind.removeprefix("Optional[").removesuffix("]") if optional else kind
        if kind not in _KINDS:  # Any: `task` is checked by _resolve_tasks
            continue
        value = getattr(cfg, f.name)
        if value is None and optional:
            continue
        ok = isinstance(value, _KINDS[kind]) and (kind == "bool" or not isinstance(value, bool))
        if ok and kind == "float":
            ok = math.isfinite(value)
        if ok and kind == "str":
            ok = value.strip() != ""
        accepted = {"int": "an integer", "float": "a finite number", "bool": "true or false",
                    "str": "a non-empty string"}[kind] + (" or null" if optional else "")
        _check(ok, f"{f.name}={value!r} is not accepted; accepted: {accepted}")


def _check_ranges(cfg: Config) -> None:
    """Numbers the typed check lets through but the method cannot use."""
    for name, low in (("iterations", 1), ("num_samples", 1), ("buffer_size", 1), ("num_bins", 2),
                      ("simnorm_dim", 1), ("eval_episodes", 1), ("eval_freq", 1), ("horizon", 1)):
        _check(getattr(cfg, name) >= low, f"{name} must be >= {low}, got {getattr(cfg, name)}")
    for name in ("lr", "temperature", "min_std", "grad_clip_norm", "tau", "rho"):
        _check(getattr(cfg, name) > 0, f"{name} must be > 0, got {getattr(cfg, name)}")
    for name in ("enc_lr_scale", "consistency_coef", "reward_coef", "value_coef", "entropy_coef", "prior_coef"):
        _check(getattr(cfg, name) >= 0, f"{name} must be >= 0, got {getattr(cfg, name)}")
    _check(cfg.tau <= 1 and cfg.rho <= 1, f"tau and rho must be in (0, 1], got tau={cfg.tau}, rho={cfg.rho}")
    _check(cfg.max_std >= cfg.min_std, f"max_std must be >= min_std={cfg.min_std}, got {cfg.max_std}")
    _check(cfg.vmax > cfg.vmin, f"vmax must be > vmin={cfg.vmin}, got {cfg.vmax}")
    _check(cfg.log_std_max > cfg.log_std_min, f"log_std_max must be > log_std_min={cfg.log_std_min}, "
                                              f"got {cfg.log_std_max}")
    _check(cfg.dropout is None or 0 <= cfg.dropout < 1, f"dropout must be in [0, 1), got {cfg.dropout}")
    _check(cfg.env_timeout is None or cfg.env_timeout > 0, f"env_timeout must be > 0 seconds or null, got {cfg.env_timeout}")
    _check(cfg.max_restarts >= 0, f"max_restarts must be >= 0, got {cfg.max_restarts}")
    _check(cfg.restart_window > 0, f"restart_window must be > 0 vector steps, got {cfg.restart_window}")
    _check(cfg.save_freq is None or cfg.save_freq > 0, f"save_freq must be > 0, got {cfg.save_freq}")
    _check(cfg.constraint_start_step is None or cfg.constraint_start_step >= 0,
           f"constraint_start_step must be >= 0, got {cfg.constraint_start_step}")
    _check("/" not in cfg.exp_name and cfg.exp_name not in (".", ".."),
           f"exp_name={cfg.exp_name!r} is not accepted; accepted: a folder name (no '/')")


def derive(cfg: Config) -> Derived:
    """Validate `cfg` and compute every derived value; raises ConfigError naming the bad value."""
    from envs.registry import MAX_ACTION_DIM, MAX_OBS_DIM, TASKS

    _check_types(cfg)
    _check_ranges(cfg)
    tasks, multitask, task_label = _resolve_tasks(cfg.task)
    _check(cfg.model_size is None or cfg.model_size in MODEL_SIZES,
           f"unknown model_size {cfg.model_size!r}; accepted: {', '.join(MODEL_SIZES)}")
    _check(cfg.obs in OBS_TYPES, f"unknown obs={cfg.obs!r}; accepted: {', '.join(OBS_TYPES)}")
    from newt.buffer import SAMPLING

    _check(cfg.sampling in SAMPLING, f"unknown sampling {cfg.sampling!r}; accepted: {', '.join(SAMPLING)}")
    from newt.precision import PRECISIONS

    _check(cfg.precision in PRECISIONS, f"unknown precision {cfg.precision!r}; accepted: {', '.join(PRECISIONS)}")
    _check(cfg.device in DEVICES, f"unknown device {cfg.device!r}; accepted: {', '.join(DEVICES)}")
    _check(cfg.steps >= 0, f"steps must be >= 0, got {cfg.steps}")
    _check(cfg.eval_freq > 0, f"eval_freq must be > 0, got {cfg.eval_freq}")
    _check(cfg.eval_episodes > 0, f"eval_episodes must be > 0, got {cfg.eval_episodes}")
    _check(cfg.batch_size is None or cfg.batch_size > 0, f"batch_size must be > 0, got {cfg.batch_size}")
    _check(cfg.constraint_final_step >= 0, f"constraint_final_step must be >= 0, got {cfg.constraint_final_step}")
    _check(cfg.demo_steps >= 0, f"demo_steps must be >= 0, got {cfg.demo_steps}")
    _check(cfg.warmup_steps >= 0, f"warmup_steps must be >= 0, got {cfg.warmup_steps}")
    _check(cfg.seeding_coef >= 0, f"seeding_coef must be >= 0, got {cfg.seeding_coef}")
    _check(cfg.seed_steps is None or cfg.seed_steps >= 0, f"seed_steps must be >= 0, got {cfg.seed_steps}")
    _check(cfg.horizon >= 1, f"horizon must be >= 1, got {cfg.horizon}")
    _check(0 < cfg.num_elites <= cfg.num_samples,
           f"num_elites must be in [1, num_samples={cfg.num_samples}], got {cfg.num_elites}")
    _check(0 <= cfg.num_pi_trajs < cfg.num_samples,
           f"num_pi_trajs must be in [0, num_samples), got {cfg.num_pi_trajs}")
    _check(cfg.num_workers is None or cfg.num_workers >= 0, f"num_workers must be >= 0, got {cfg.num_workers}")
    _check(cfg.num_envs is None or cfg.num_envs > 0, f"num_envs must be > 0, got {cfg.num_envs}")
    _check(cfg.utd is None or cfg.utd >= 0, f"utd must be >= 0, got {cfg.utd}")

    if multitask:
        num_envs = cfg.num_envs or len(tasks)
        _check(num_envs % len(tasks) == 0,
               f"num_envs={num_envs} must be a multiple of the {len(tasks)} tasks of {task_label!r}")
    else:
        num_envs = cfg.num_envs or 2
    env_tasks = tuple(tasks[i % len(tasks)] for i in range(num_envs))
    skipped: tuple[str, ...] = ()
    if cfg.skip_unavailable:  # the model keeps every task's slot; only the envs leave the missing ones out
        from envs import unavailable_reason

        skipped = tuple(t for t in tasks if unavailable_reason(t))
        env_tasks = tuple(t for t in env_tasks if t not in skipped)
        _check(len(env_tasks) > 0, f"skip_unavailable=true left no task of {task_label!r} to run on this machine")
        num_envs = len(env_tasks)

    specs = [TASKS[t] for t in tasks]
    lengths = tuple(s.episode_length for s in specs)
    if cfg.device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        device = cfg.device
        if device == "cuda":
            import torch

            _check(torch.cuda.is_available(), "device='cuda' but no CUDA device is available; use device=cpu or auto")
    size = MODEL_SIZES[cfg.model_size or ("L" if multitask else "B")]
    _check(size.latent_dim % cfg.simnorm_dim == 0,
           f"simnorm_dim {cfg.simnorm_dim} must divide latent dim {size.latent_dim}")
    if cfg.finetune:
        _check(bool(cfg.checkpoint), "finetune=true needs checkpoint=PATH (a multitask checkpoint to start from)")
        _check(not multitask, f"finetune=true trains one task; task={task_label!r} is a task set "
                              f"(accepted: one task name, e.g. a held-out task)")
    task_dim = 0
    if multitask or cfg.finetune:  # a finetuned model keeps the multitask architecture
        from envs.embeddings import EMBEDDING_DIM

        task_dim = EMBEDDING_DIM
    seed_steps = cfg.seed_steps if cfg.seed_steps is not None else (
        # The original Newt seeds seeding_coef episodes of the longest task in every env; one-task
        # runs keep TD-MPC2's rule (at least 1000 steps), so their curves compare with its curves.
        cfg.seeding_coef * max(lengths) * num_envs if multitask else max(1000, cfg.seeding_coef * max(lengths)))
    return Derived(
        task_label=task_label,
        tasks=tuple(tasks),
        skipped_tasks=skipped,
        env_tasks=env_tasks,
        multitask=multitask,
        action_dims=tuple(s.action_dim for s in specs),
        discounts=tuple(s.gamma for s in specs),
        num_envs=num_envs,
        num_workers=cfg.num_workers if cfg.num_workers is not None else (None if multitask else 0),
        utd=cfg.utd if cfg.utd is not None else (0.075 if multitask else 1.0),
        batch_size=cfg.batch_size or (1024 if multitask else 256),
        seed_steps=seed_steps,
        constrained_planning=(multitask or cfg.finetune) if cfg.constrained_planning is None else cfg.constrained_planning,
        constraint_start_step=seed_steps if cfg.constraint_start_step is None else cfg.constraint_start_step,
        seed_burst=cfg.seed_burst if cfg.seed_burst is not None else not multitask,
        use_demos=cfg.use_demos if cfg.use_demos is not None else multitask,
        save_freq=cfg.save_freq or cfg.eval_freq,
        save_buffer=cfg.save_buffer if cfg.save_buffer is not None else not multitask,
        device=device,
        size=size,
        dropout=cfg.dropout if cfg.dropout is not None else (0.0 if multitask else 0.01),
        task_dim=task_dim,
        obs_dim=MAX_OBS_DIM + (RGB_FEATURE_DIM if cfg.obs == "rgb" else 0),
        action_dim=MAX_ACTION_DIM,
        run_dir=f"{cfg.log_dir}/{task_label}/{cfg.seed}/{cfg.exp_name}",
    )


def _resolve_tasks(task) -> tuple[tuple[str, ...], bool, str]:
    """The `task` option -> (the run's tasks, whether it is a multitask run, a path-safe label).

    A task name is a single-task run; a set name or a list of two or more names is a multitask run
    (a list of one name is that task alone). Every name is checked against the registry."""
    from envs.registry import TASK_SETS, TASKS

    accepted = (f"accepted: a registered task name (see `python -m envs list`), a task set "
                f"({', '.join(TASK_SETS)}) or a list of task names, e.g. task=[mw-reach,mw-push]")
    if isinstance(task, str):
        _check(task in TASKS or task in TASK_SETS, f"unknown task {task!r}; {accepted}")
        return (TASK_SETS[task], True, task) if task in TASK_SETS else ((task,), False, task)
    _check(isinstance(task, (list, tuple)) and len(task) > 0 and all(isinstance(t, str) for t in task),
           f"task={task!r} is neither a name nor a non-empty list of names; {accepted}")
    unknown = [t for t in task if t not in TASKS]
    _check(not unknown, f"unknown task(s) in the list: {', '.join(map(repr, unknown))}; a list holds "
                        f"registered task names only (not sets); {accepted}")
    repeated = sorted({t for t in task if list(task).count(t) > 1})
    _check(not repeated, f"task list names {', '.join(repeated)} more than once; name each task once "
                         f"(num_envs sets the envs per task)")
    if len(task) == 1:
        return (task[0],), False, task[0]
    label = "+".join(task)
    if len(label) > 80:  # keep folder names short: count and a digest of the list
        label = f"{len(task)}tasks-{hashlib.sha1(label.encode()).hexdigest()[:8]}"
    return tuple(task), True, label


def checkpoint_config(saved: dict) -> Config:
    """The Config a checkpoint was trained with, from its saved dict (fields this version does not
    know are ignored)."""
    import dataclasses

    known = {f.name for f in dataclasses.fields(Config)}
    return Config(**{k: v for k, v in saved.items() if k in known})


def checkpoint_derived(saved: dict) -> Derived:
    """The Derived of a checkpoint's saved config (its device is not needed: CPU is assumed)."""
    import dataclasses

    return derive(dataclasses.replace(checkpoint_config(saved), device="cpu", finetune=False))


def as_config(cfg) -> Config:
    """An OmegaConf DictConfig (from Hydra) or a Config -> a plain Config dataclass."""
    if isinstance(cfg, Config):
        return cfg
    from omegaconf import OmegaConf

    return OmegaConf.to_object(cfg)


def register() -> None:
    ConfigStore.instance().store(name="base_config", node=Config)

