"""Load and validate config/: the dated parameters the rules read (parameters.py), how the worker runs
(settings.py), the synthetic mix for seeding (seed_mix.py). Every problem is one line naming the file,
the key and what is wrong, so an operator can fix a file without reading code."""

from robots.config.files import ConfigError, config_dir
from robots.config.parameters import (
    LAW_FILE,
    canonical,
    load_law,
    load_norm_table,
    load_norms,
    load_parameters,
    load_policies,
    norm_table,
    policy_version,
)
from robots.config.seed_mix import load_seed_mix
from robots.config.settings import Settings, load_settings, with_urls

__all__ = [
    "LAW_FILE", "ConfigError", "Settings", "canonical", "config_dir", "load_law", "load_norm_table", "load_norms",
    "load_parameters", "load_policies", "load_seed_mix", "load_settings", "norm_table", "policy_version", "with_urls",
]
