"""Diffusion processes, kept apart from the networks they train."""

from qgen.diffusion.respace import RespacedModel, respace, respaced_steps
from qgen.diffusion.sampler import ddpm_sample
from qgen.diffusion.schedule import BETA_SCHEDULES, NoiseSchedule
from qgen.diffusion.timesteps import TIMESTEP_SAMPLERS

__all__ = [
    "BETA_SCHEDULES", "NoiseSchedule", "RespacedModel", "TIMESTEP_SAMPLERS", "ddpm_sample", "respace", "respaced_steps",
]
