"""Shared test configuration: deterministic hypothesis runs, no example database."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "pgcore",
    derandomize=True,  # same examples on every run: a failure is reproducible
    database=None,  # no example database: nothing to replay from an earlier run
    deadline=None,  # timing varies on CI machines
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("pgcore")
