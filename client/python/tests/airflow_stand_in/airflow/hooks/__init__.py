"""TEST-ONLY STAND-IN for airflow.hooks."""
