"""TEST-ONLY STAND-IN for airflow.models.connection.Connection."""

import json
from typing import Any, Dict, Optional


class Connection:
    def __init__(self, conn_id: str, conn_type: str = "", host: Optional[str] = None,
                 port: Optional[int] = None, login: Optional[str] = None,
                 password: Optional[str] = None, schema: Optional[str] = None,
                 extra: Any = None) -> None:
        self.conn_id = conn_id
        self.conn_type = conn_type
        self.host = host
        self.port = port
        self.login = login
        self.password = password
        self.schema = schema
        self.extra = json.dumps(extra) if isinstance(extra, dict) else extra

    @property
    def extra_dejson(self) -> Dict[str, Any]:
        return json.loads(self.extra) if self.extra else {}
