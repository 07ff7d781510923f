"""TEST-ONLY STAND-IN for airflow.utils."""
