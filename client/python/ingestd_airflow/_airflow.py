"""Airflow's base classes, wherever this Airflow keeps them.

Airflow 3 moved the authoring classes to ``airflow.sdk``; Airflow 2 has them
in ``airflow.models`` / ``airflow.sensors.base`` / ``airflow.hooks.base``.
Importing this module without Airflow raises ImportError saying so; only
the operator, sensor and trigger modules import it (the hook, the logic and
the waiting loops work without Airflow).
"""

from __future__ import annotations

import importlib
from typing import Any


def _first(*candidates: str) -> Any:
    errors = []
    for candidate in candidates:
        module, _, name = candidate.rpartition(".")
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            errors.append(f"{candidate}: {exc}")
    raise ImportError("ingestd_airflow needs Apache Airflow (2.7+ or 3): cannot import "
                      + "; ".join(errors))


BaseOperator = _first("airflow.sdk.BaseOperator", "airflow.models.BaseOperator")
BaseSensorOperator = _first("airflow.sdk.BaseSensorOperator",
                            "airflow.sensors.base.BaseSensorOperator")
BaseTrigger = _first("airflow.triggers.base.BaseTrigger")
TriggerEvent = _first("airflow.triggers.base.TriggerEvent")
AirflowException = _first("airflow.exceptions.AirflowException")
AirflowSensorTimeout = _first("airflow.exceptions.AirflowSensorTimeout")

