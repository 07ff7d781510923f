"""TEST-ONLY STAND-IN for airflow.hooks.base.BaseHook.

get_connection reads AIRFLOW_CONN_<CONN_ID> as Airflow 2.3+ does for the JSON
form: {"conn_type": ..., "host": ..., "port": ..., "password": ..., "extra": {...}}.
"""

import json
import os

from airflow.exceptions import AirflowNotFoundException
from airflow.models.connection import Connection
from airflow.utils.log import LoggingMixin


class BaseHook(LoggingMixin):
    def __init__(self, logger_name: str = "") -> None:
        pass

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        raw = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        if raw is None:
            raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
        data = json.loads(raw)
        return Connection(conn_id=conn_id, conn_type=data.get("conn_type", ""),
                          host=data.get("host"), port=data.get("port"),
                          login=data.get("login"), password=data.get("password"),
                          schema=data.get("schema"), extra=data.get("extra"))
