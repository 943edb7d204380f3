"""Scenario configuration: the schema, loading from YAML, overrides and errors."""

from sim.config.errors import ConfigError
from sim.config.loading import (
    load_scenario,
    load_yaml_mapping,
    resolved_dict,
    scenario_from_dict,
    scenario_sha256,
)
from sim.config.overrides import apply_overrides, set_dotted, validate_path
from sim.config.schema import Scenario

__all__ = [
    "ConfigError",
    "Scenario",
    "apply_overrides",
    "load_scenario",
    "load_yaml_mapping",
    "resolved_dict",
    "scenario_from_dict",
    "scenario_sha256",
    "set_dotted",
    "validate_path",
]
