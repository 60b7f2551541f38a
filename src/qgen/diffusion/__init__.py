"""Diffusion processes, kept apart from the networks they train."""

from qgen.diffusion.sampler import ddpm_sample
from qgen.diffusion.schedule import BETA_SCHEDULES, NoiseSchedule

__all__ = ["BETA_SCHEDULES", "NoiseSchedule", "ddpm_sample"]
