"""Example DAG: load GitHub issues with ingestd, then wait for a push run.

Needs the provider on the scheduler's, workers' and triggerer's PYTHONPATH
(client/python plus the generated stubs, docs/airflow.md) and a connection
`ingestd_default`, e.g.

    airflow connections add ingestd_default --conn-type ingestd \
        --conn-host ingestd.internal --conn-port 50051 \
        --conn-password "$INGESTD_OPERATE_TOKEN" \
        --conn-extra '{"ca_file": "/etc/ssl/ingestd-ca.pem",
                       "run_url_template": "https://grafana.internal/d/ingestd?var-run_id={run_id}"}'

The pipelines are applied beforehand with `ingestctl apply` (an admin token);
Airflow's token only needs the `operate` role.
"""

from __future__ import annotations

import datetime as dt

from airflow import DAG

from ingestd_airflow.operators import IngestdRunOperator
from ingestd_airflow.sensors import IngestdRunSensor

with DAG(
    dag_id="ingestd_example",
    start_date=dt.datetime(2024, 1, 1),
    schedule="@hourly",
    catchup=False,
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=1)},
    tags=["ingestd"],
) as dag:
    # Waits in the triggerer; a retry re-attaches to the same run (the key is
    # ingestd_example.load_issues.<run_id>); after 30 minutes the run is
    # cancelled and the task fails. Returns the run summary (XCom).
    load_issues = IngestdRunOperator(
        task_id="load_issues",
        pipeline="github_issues",
        deferrable=True,
        poll_interval=30,
        timeout=30 * 60,
    )

    # Fire and forget, then wait with a sensor (e.g. to run things in between).
    start_rest = IngestdRunOperator(
        task_id="start_github_rest",
        pipeline="github_rest",
        wait_for_termination=False,
    )
    wait_rest = IngestdRunSensor(
        task_id="wait_github_rest",
        run_id="{{ ti.xcom_pull(task_ids='start_github_rest', key='run_id') }}",
        deferrable=True,
        poke_interval=30,
        timeout=2 * 3600,
    )

    load_issues >> start_rest >> wait_rest
