"""Policy schema (YAML, pydantic-validated) and the pure evaluator."""

from fairgate.policy.evaluate import evaluate
from fairgate.policy.schema import Policy, Rule, load_policy, parse_policy

__all__ = ["Policy", "Rule", "evaluate", "load_policy", "parse_policy"]
