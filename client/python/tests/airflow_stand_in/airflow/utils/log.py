"""TEST-ONLY STAND-IN for airflow.utils.log.logging_mixin.LoggingMixin."""

import logging


class LoggingMixin:
    @property
    def log(self) -> logging.Logger:
        cls = type(self)
        return logging.getLogger(f"{cls.__module__}.{cls.__name__}")
