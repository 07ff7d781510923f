"""TEST-ONLY STAND-IN for airflow.exceptions (the names the provider uses)."""

from typing import Any, Dict, Optional


class AirflowException(Exception):
    """Fails the task (Airflow retries it when retries are left)."""


class AirflowSensorTimeout(AirflowException):
    """A sensor's timeout (Airflow does not retry it)."""


class AirflowNotFoundException(AirflowException):
    """E.g. an unknown connection id."""


class TaskDeferred(BaseException):
    """Raised by BaseOperator.defer; like Airflow's, a BaseException so that
    `except Exception` in task code does not swallow it."""

    def __init__(self, *, trigger: Any, method_name: str,
                 kwargs: Optional[Dict[str, Any]] = None, timeout: Any = None) -> None:
        super().__init__()
        self.trigger = trigger
        self.method_name = method_name
        self.kwargs = kwargs
        self.timeout = timeout
