"""TEST-ONLY STAND-IN for airflow.sensors."""
