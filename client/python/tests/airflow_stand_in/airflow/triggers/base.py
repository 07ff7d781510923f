"""TEST-ONLY STAND-IN for airflow.triggers.base.BaseTrigger and TriggerEvent."""

from typing import Any, AsyncIterator, Dict, Tuple

from airflow.utils.log import LoggingMixin


class BaseTrigger(LoggingMixin):
    def __init__(self, **kwargs: Any) -> None:
        self.trigger_id = None

    def serialize(self) -> Tuple[str, Dict[str, Any]]:
        raise NotImplementedError

    async def run(self) -> AsyncIterator["TriggerEvent"]:
        raise NotImplementedError
        yield  # pragma: no cover


class TriggerEvent:
    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TriggerEvent) and other.payload == self.payload

    def __repr__(self) -> str:
        return f"TriggerEvent<{self.payload!r}>"
