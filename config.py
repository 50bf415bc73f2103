"""The run configuration: a structured dataclass registered with Hydra, and `derive()`.

`Config` holds what a user sets: every option and its default, once (config.yaml only points Hydra
here), overridden on the command line.
`derive(cfg)` validates it and computes every derived value once (task list, per-task discounts
and action dims, seeding steps, model dimensions, device) into a frozen `Derived` record. No code
writes back into the config afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore


@dataclass
class Config:
    # --- run ---
    task: str = "walker-walk"  # a task name, or a task set (soup, dmcontrol, metaworld, ...)
    obs: str = "state"  # observation type: state (rgb is not built yet)
    steps: int = 100_000  # total environment steps (summed over all envs)
    seed: int = 1  # seeds torch, numpy and the envs
    exp_name: str = "default"  # run name: logs go to logs/<task>/<seed>/<exp_name>/
    device: str = "auto"  # auto (cuda if available), cpu or cuda
    checkpoint: str | None = None  # resume from this checkpoint file
    num_envs: int | None = None  # parallel envs; default 2 for one task, one per task for a set
    num_workers: int | None = None  # env worker processes; 0 steps envs in-process; default 0 for one task, one per core for a set
    compile: bool = False  # torch.compile planning and update (GPU; measured to not help on CPU)
    # --- model ---
    model_size: str = "S"  # S, B, L or XL: 1.3M/5.0M/15.6M/70.1M parameters single-task, 1.9M/6.7M/19.2M/78.7M on the soup
    num_bins: int = 101  # bins of the two-hot reward and value heads
    vmin: float = -10.0  # two-hot support, in symlog space
    vmax: float = 10.0
    simnorm_dim: int = 8  # SimNorm group size
    log_std_min: float = -10.0  # policy log-std range
    log_std_max: float = 2.0
    dropout: float = 0.01  # dropout in the first Q layer
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
    anchor_steps: int = 0  # env steps over which the plan is anchored to the policy prior (annealed)
    # --- training ---
    batch_size: int = 256  # slices of H+1 steps per update
    utd: float | None = None  # updates per env step; default 1 for one task, 0.075 for a set
    seed_steps: int | None = None  # random-action steps before training; default max(1000, 5 episodes)
    buffer_size: int = 1_000_000  # replay capacity in transitions
    lr: float = 3e-4  # Adam learning rate
    enc_lr_scale: float = 0.3  # encoder learning rate multiplier
    grad_clip_norm: float = 20.0  # gradient norm clip
    rho: float = 0.5  # per-step weight decay of the losses over the horizon
    consistency_coef: float = 20.0  # latent consistency loss weight
    reward_coef: float = 0.1  # reward cross-entropy weight
    value_coef: float = 0.1  # value cross-entropy weight
    entropy_coef: float = 1e-4  # policy entropy bonus (scaled by the number of valid action dims)
    bc_coef: float = 0.1  # weight of the masked BC term toward batch actions in the policy loss
    tau: float = 0.01  # Polyak rate of the target Q-networks and the running Q scale
    # --- evaluation, checkpoints, logging ---
    eval_freq: int = 10_000  # evaluate every this many env steps
    eval_episodes: int = 2  # episodes per task per evaluation
    save_freq: int | None = None  # checkpoint every this many env steps (default: eval_freq)
    enable_wandb: bool = False  # log to wandb (WANDB_MODE=offline works without a network)
    wandb_project: str = "newt"
    wandb_entity: str | None = None
    log_dir: str = "logs"  # root of the run directories
    # --- demonstrations ---
    demo_dir: str = "demos"  # <demo_dir>/<task>.pt demo files (python -m newt.demos; docs/demos.md)


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
OBS_TYPES = ("state",)  # rgb needs the frozen vision encoder (not built yet)
DEVICES = ("auto", "cpu", "cuda")


class ConfigError(ValueError):
    """A config value is not accepted; the message names it and the accepted values."""


@dataclass(frozen=True)
class Derived:
    """Values computed once from the config."""

    tasks: tuple[str, ...]  # the run's distinct tasks, in canonical order; model task index = position
    env_tasks: tuple[str, ...]  # task of each env slot
    multitask: bool
    action_dims: tuple[int, ...]  # per run task
    discounts: tuple[float, ...]  # per run task
    num_envs: int
    num_workers: int | None  # None: one worker process per core (capped by the number of envs)
    utd: float
    seed_steps: int
    save_freq: int
    device: str
    size: ModelSize
    task_dim: int  # size of the task embedding (0 for single-task runs)
    obs_dim: int = 128
    action_dim: int = 16
    run_dir: str = ""


def _check(ok: bool, msg: str) -> None:
    if not ok:
        raise ConfigError(msg)


def derive(cfg: Config) -> Derived:
    """Validate `cfg` and compute every derived value; raises ConfigError naming the bad value."""
    from envs.registry import MAX_ACTION_DIM, MAX_OBS_DIM, TASK_SETS, TASKS

    _check(cfg.task in TASKS or cfg.task in TASK_SETS,
           f"unknown task {cfg.task!r}; accepted: a registered task name (see `python -m envs list`) "
           f"or a task set: {', '.join(TASK_SETS)}")
    _check(cfg.model_size in MODEL_SIZES,
           f"unknown model_size {cfg.model_size!r}; accepted: {', '.join(MODEL_SIZES)}")
    _check(cfg.obs in OBS_TYPES, f"obs={cfg.obs!r} is not built yet; accepted: {', '.join(OBS_TYPES)}")
    _check(cfg.device in DEVICES, f"unknown device {cfg.device!r}; accepted: {', '.join(DEVICES)}")
    _check(cfg.steps >= 0, f"steps must be >= 0, got {cfg.steps}")
    _check(cfg.eval_freq > 0, f"eval_freq must be > 0, got {cfg.eval_freq}")
    _check(cfg.eval_episodes > 0, f"eval_episodes must be > 0, got {cfg.eval_episodes}")
    _check(cfg.batch_size > 0, f"batch_size must be > 0, got {cfg.batch_size}")
    _check(cfg.horizon >= 1, f"horizon must be >= 1, got {cfg.horizon}")
    _check(0 < cfg.num_elites <= cfg.num_samples,
           f"num_elites must be in [1, num_samples={cfg.num_samples}], got {cfg.num_elites}")
    _check(0 <= cfg.num_pi_trajs < cfg.num_samples,
           f"num_pi_trajs must be in [0, num_samples), got {cfg.num_pi_trajs}")
    _check(cfg.num_workers is None or cfg.num_workers >= 0, f"num_workers must be >= 0, got {cfg.num_workers}")
    _check(cfg.num_envs is None or cfg.num_envs > 0, f"num_envs must be > 0, got {cfg.num_envs}")
    _check(cfg.utd is None or cfg.utd >= 0, f"utd must be >= 0, got {cfg.utd}")

    multitask = cfg.task in TASK_SETS
    tasks = TASK_SETS[cfg.task] if multitask else (cfg.task,)
    if multitask:
        num_envs = cfg.num_envs or len(tasks)
        _check(num_envs % len(tasks) == 0,
               f"num_envs={num_envs} must be a multiple of the {len(tasks)} tasks of {cfg.task!r}")
    else:
        num_envs = cfg.num_envs or 2
    env_tasks = tuple(tasks[i % len(tasks)] for i in range(num_envs))

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
    size = MODEL_SIZES[cfg.model_size]
    _check(size.latent_dim % cfg.simnorm_dim == 0,
           f"simnorm_dim {cfg.simnorm_dim} must divide latent dim {size.latent_dim}")
    task_dim = 0
    if multitask:
        from envs.embeddings import EMBEDDING_DIM

        task_dim = EMBEDDING_DIM
    return Derived(
        tasks=tuple(tasks),
        env_tasks=env_tasks,
        multitask=multitask,
        action_dims=tuple(s.action_dim for s in specs),
        discounts=tuple(s.gamma for s in specs),
        num_envs=num_envs,
        num_workers=cfg.num_workers if cfg.num_workers is not None else (None if multitask else 0),
        utd=cfg.utd if cfg.utd is not None else (0.075 if multitask else 1.0),
        seed_steps=cfg.seed_steps if cfg.seed_steps is not None else max(1000, 5 * max(lengths)),
        save_freq=cfg.save_freq or cfg.eval_freq,
        device=device,
        size=size,
        task_dim=task_dim,
        obs_dim=MAX_OBS_DIM,
        action_dim=MAX_ACTION_DIM,
        run_dir=f"{cfg.log_dir}/{cfg.task}/{cfg.seed}/{cfg.exp_name}",
    )


def as_config(cfg) -> Config:
    """An OmegaConf DictConfig (from Hydra) or a Config -> a plain Config dataclass."""
    if isinstance(cfg, Config):
        return cfg
    from omegaconf import OmegaConf

    return OmegaConf.to_object(cfg)


def register() -> None:
    ConfigStore.instance().store(name="base_config", node=Config)

