"""Puts the TEST-ONLY Airflow stand-in (tests/airflow_stand_in/, see its
README) on sys.path, and imitates the bits of an Airflow task context the
provider reads. Import this before anything from ingestd_airflow."""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, Optional

STAND_IN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "airflow_stand_in")
if STAND_IN_DIR not in sys.path:
    sys.path.insert(0, STAND_IN_DIR)

import airflow  # noqa: E402

if not getattr(airflow, "STAND_IN", False):
    raise ImportError(f"expected the test stand-in of airflow, got {airflow.__file__}")
if "ingestd_airflow.hooks" in sys.modules:
    raise ImportError("ingestd_airflow.hooks was imported before the Airflow stand-in; "
                      "run the Airflow class tests in their own process")


class StandInTaskInstance:
    """The task instance in ``context["ti"]``: ids, try number, XCom."""

    def __init__(self, dag_id: str, task_id: str, run_id: str, try_number: int = 1,
                 map_index: int = -1) -> None:
        self.dag_id, self.task_id, self.run_id = dag_id, task_id, run_id
        self.try_number = try_number
        self.map_index = map_index
        self.xcom: Dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value

    def xcom_pull(self, key: str) -> Optional[Any]:
        return self.xcom.get(key)


def stand_in_context(ti: StandInTaskInstance) -> Dict[str, Any]:
    return {"ti": ti, "task_instance": ti, "run_id": ti.run_id}
