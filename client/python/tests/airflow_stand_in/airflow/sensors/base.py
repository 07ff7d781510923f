"""TEST-ONLY STAND-IN for airflow.sensors.base.BaseSensorOperator (poke mode)."""

import time
from typing import Any, Dict

from airflow.exceptions import AirflowSensorTimeout
from airflow.models import BaseOperator


class BaseSensorOperator(BaseOperator):
    def __init__(self, *, poke_interval: float = 60, timeout: float = 7 * 24 * 3600,
                 mode: str = "poke", soft_fail: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.poke_interval = poke_interval
        self.timeout = timeout
        self.mode = mode
        self.soft_fail = soft_fail

    def poke(self, context: Dict[str, Any]) -> bool:
        raise NotImplementedError

    def execute(self, context: Dict[str, Any]) -> Any:
        started = time.monotonic()
        while not self.poke(context):
            if time.monotonic() - started > self.timeout:
                raise AirflowSensorTimeout(f"Sensor has timed out; run duration of "
                                           f"{time.monotonic() - started} seconds exceeds "
                                           f"the specified timeout of {self.timeout}.")
            time.sleep(self.poke_interval)
        return None
