"""Apache Airflow provider for ingestd (docs/airflow.md).

- ``ingestd_airflow.hooks.IngestdHook``: the connection (type ``ingestd``).
- ``ingestd_airflow.operators.IngestdRunOperator``: run a pipeline.
- ``ingestd_airflow.sensors.IngestdRunSensor``: wait for a run.
- ``ingestd_airflow.triggers.IngestdRunTrigger``: the deferrable wait.
- ``ingestd_airflow.runs``: the logic as plain functions.

This module imports nothing from Airflow; the operator, sensor and trigger
modules need it.
"""

from typing import Any, Dict

__version__ = "0.1.0"


def get_provider_info() -> Dict[str, Any]:
    """Provider metadata (the ``apache_airflow_provider`` entry point)."""
    return {
        "package-name": "ingestd-airflow",
        "name": "ingestd",
        "description": "Run and watch ingestd pipelines from Airflow.",
        "versions": [__version__],
        "connection-types": [{"connection-type": "ingestd",
                              "hook-class-name": "ingestd_airflow.hooks.IngestdHook"}],
        "hooks": [{"integration-name": "ingestd",
                   "python-modules": ["ingestd_airflow.hooks"]}],
        "operators": [{"integration-name": "ingestd",
                       "python-modules": ["ingestd_airflow.operators"]}],
        "sensors": [{"integration-name": "ingestd",
                     "python-modules": ["ingestd_airflow.sensors"]}],
        "triggers": [{"integration-name": "ingestd",
                      "python-modules": ["ingestd_airflow.triggers"]}],
    }
