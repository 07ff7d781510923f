"""TEST-ONLY STAND-IN for airflow.models.BaseOperator."""

from typing import Any, Dict, Optional, Sequence

from airflow.exceptions import TaskDeferred
from airflow.utils.log import LoggingMixin


class BaseOperator(LoggingMixin):
    template_fields: Sequence[str] = ()

    def __init__(self, *, task_id: str, retries: int = 0, **kwargs: Any) -> None:
        self.task_id = task_id
        self.retries = retries
        self.extra_kwargs = kwargs

    def execute(self, context: Dict[str, Any]) -> Any:
        raise NotImplementedError

    def defer(self, *, trigger: Any, method_name: str,
              kwargs: Optional[Dict[str, Any]] = None, timeout: Any = None) -> None:
        raise TaskDeferred(trigger=trigger, method_name=method_name, kwargs=kwargs,
                           timeout=timeout)

    def on_kill(self) -> None:
        pass
