"""TEST-ONLY STAND-IN for airflow.triggers."""
