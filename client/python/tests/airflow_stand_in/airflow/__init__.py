"""TEST-ONLY STAND-IN for Apache Airflow (see ../README.md). Not Airflow."""

STAND_IN = True
