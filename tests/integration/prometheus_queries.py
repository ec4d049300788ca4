"""Evaluates every panel expression of the Grafana dashboard, and the seed's own metrics_executor_*
queries, through a real Prometheus's HTTP API over the window of a training run; each must return at
least one series. Also checks that Prometheus scraped the driver's three paths itself (not only the
Pushgateway's copy) and saw executors "0", "1" and "driver".

Usage: prometheus_queries.py PROMETHEUS_URL DASHBOARD_JSON START END JOB EXECUTORS DRIVER
(START and END in Unix seconds; JOB the training job's name; DRIVER the scraped HOST:PORT.)
Exit 1 with every failing expression.
"""

import json
import math
import re
import sys
import urllib.parse
import urllib.request

# The seed's PromQL (the seed study's monitoring section), metrics_executor_* and the driver's
# heap. Its text cuts two of them off; they are closed here the way the dashboard completes them.
# The cAdvisor queries (container_*) are left out: tad does not export container metrics; the
# dashboard's CPU panels replace them with tad_executor_cpu_seconds_total.
SEED_QUERIES = [
    'sum by(executor_id) (increase(metrics_executor_completedTasks_total{executor_id!="driver"}[5m]))',
    'avg_over_time({__name__=~"metrics_spark_.*_driver_jvm_heap_used_Value", type="gauges"}[1m])',
    "sum by(executor_id) (metrics_executor_JVMHeapMemory_bytes)",
    "sum by(executor_id) (metrics_executor_usedOnHeapStorageMemory_bytes)",
    "sum by (executor_id) (increase(metrics_executor_completedTasks_total[5m]))",
    "sum by(executor_id) (metrics_executor_totalGCTime_seconds_total)",
    "sum by(executor_id) (metrics_executor_totalDuration_seconds_total)",
    "sum by(executor_id) (metrics_executor_totalTasks_total)",
    "sum by (executor_id) (metrics_executor_totalGCTime_seconds_total)"
    " / sum by (executor_id) (metrics_executor_totalDuration_seconds_total)",
    "sum (metrics_executor_JVMHeapMemory_bytes + metrics_executor_JVMOffHeapMemory_bytes) / sum(machine_memory_bytes)",
]

# Grafana's built-in interval variables. With 1 s scrapes a 15 s window holds enough samples for
# rate(); the dashboard's own ranges are fixed ([1m], [5m]).
GRAFANA_INTERVALS = {"__rate_interval": "15s", "__interval": "5s", "__range": "1m"}

# The scrape jobs of the test's prometheus.yml that read the driver directly.
DIRECT_SCRAPE_JOBS = ["tad", "spark", "spark-exec"]
MIN_DIRECT_SCRAPES = 3


def panels_of(panels):
    for panel in panels:
        yield panel
        yield from panels_of(panel.get("panels", []))  # collapsed rows hold their panels


def dashboard_expressions(dashboard):
    expressions = []
    for panel in panels_of(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            if target.get("expr"):
                expressions.append((f"panel '{panel.get('title')}'", target["expr"]))
    return expressions


def substitute(expression, variables):
    def replace(match):
        name = match.group(1) or match.group(2)
        if name not in variables:
            raise KeyError(f"unknown Grafana variable ${name}: teach prometheus_queries.py its test value")
        return variables[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", replace, expression)


def query_range(prometheus, expression, start, end):
    parameters = urllib.parse.urlencode({"query": expression, "start": start, "end": end, "step": "1s"})
    with urllib.request.urlopen(f"{prometheus}/api/v1/query_range?{parameters}", timeout=30) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
    return body["data"]["result"]


def finite_samples(series):
    return [float(value) for _, value in series["values"] if math.isfinite(float(value))]


def exit_code(failures, heading, success):
    """Prints the failures under `heading` (stderr) and returns 1, or prints `success` and returns 0."""
    if failures:
        print(f"FAIL: {len(failures)} {heading}:", file=sys.stderr)
        for failure in failures:
            print("  " + failure, file=sys.stderr)
        return 1
    print(success)
    return 0


def main():
    prometheus, dashboard_path, start, end, job, executors, driver = sys.argv[1:8]
    with open(dashboard_path) as file:
        dashboard = json.load(file)
    variables = dict(GRAFANA_INTERVALS)
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "datasource":
            variables[variable["name"]] = "prometheus"  # names the data source, never inside an expr
        elif variable.get("type") != "constant":
            variables.setdefault(variable["name"], job)  # a job picker: this run's job

    checks = dashboard_expressions(dashboard) + [("seed", query) for query in SEED_QUERIES]
    failures = []
    for origin, raw in checks:
        try:
            expression = substitute(raw, variables)
            result = query_range(prometheus, expression, start, end)
        except Exception as error:  # one line per failing expression, then go on with the others
            failures.append(f"{origin}: {raw}\n    error: {error}")
            continue
        with_data = [series for series in result if finite_samples(series)]
        if not with_data:
            failures.append(f"{origin}: {raw}\n    returned no data over the run's window")
        else:
            print(f"ok  {len(with_data)} series  {origin}: {expression}")

    # Prometheus read the driver itself, several times, on every path (the Pushgateway's copy alone
    # would also satisfy the queries above).
    for scrape_job in DIRECT_SCRAPE_JOBS:
        result = query_range(prometheus, f'up{{job="{scrape_job}"}} == 1', start, end)
        scrapes = sum(len(series["values"]) for series in result)
        if scrapes < MIN_DIRECT_SCRAPES:
            every_scrape = query_range(prometheus, f'up{{job="{scrape_job}"}}', start, end)
            history = " ".join(value for series in every_scrape for _, value in series["values"])
            failures.append(f"scrape job {scrape_job}: up == 1 at {scrapes} 1 s steps, "
                            f"expected at least {MIN_DIRECT_SCRAPES} (up at each step: {history})")
        else:
            print(f"ok  scrape job {scrape_job}: up == 1 at {scrapes} 1 s steps (1 s scrapes)")

    # ... and while it trained, not only while it lingered afterwards.
    query = f'tad_training_phase{{phase="training", instance="{driver}"}} == 1'
    scrapes = sum(len(series["values"]) for series in query_range(prometheus, query, start, end))
    if scrapes == 0:
        failures.append(f"no scrape of the driver in phase training: {query}")
    else:
        print(f"ok  the driver was scraped in phase training ({scrapes} 1 s steps)")

    expected_ids = {str(rank) for rank in range(int(executors))} | {"driver"}
    result = query_range(prometheus, "count by(executor_id) (metrics_executor_totalTasks_total)", start, end)
    seen_ids = {series["metric"].get("executor_id") for series in result}
    if seen_ids != expected_ids:
        failures.append(f"executor_id values {sorted(seen_ids)}, expected {sorted(expected_ids)}")
    result = query_range(prometheus, f'tad_executors{{job="{job}"}}', start, end)
    if not result:
        failures.append(f"no tad_executors series with job=\"{job}\": honor_labels lost the training job's name")

    # The driver's figures reach Prometheus twice (its own endpoint and the Pushgateway's copy, with
    # different instance labels): a per-executor panel must show each executor's figure once, not
    # the sum of both copies.
    tasks_panel = next(raw for _, raw in dashboard_expressions(dashboard)
                       if "metrics_executor_totalTasks_total" in raw and "/" not in raw)
    raw_peaks = {}
    for series in query_range(prometheus, "metrics_executor_totalTasks_total", start, end):
        executor = series["metric"].get("executor_id")
        raw_peaks[executor] = max([raw_peaks.get(executor, 0.0)] + finite_samples(series))
    for series in query_range(prometheus, substitute(tasks_panel, variables), start, end):
        executor = series["metric"].get("executor_id")
        peak = max(finite_samples(series), default=0.0)
        if peak != raw_peaks.get(executor):
            failures.append(f"{tasks_panel}: executor {executor} peaks at {peak}, but its own series "
                            f"never exceeds {raw_peaks.get(executor)} (copies counted twice?)")
    print(f"ok  per-executor panel counts each executor once: {tasks_panel}")

    return exit_code(failures, "of the checks returned no data",
                     f"all {len(checks)} expressions returned data ({len(checks) - len(SEED_QUERIES)} dashboard, "
                     f"{len(SEED_QUERIES)} seed)")


if __name__ == "__main__":
    sys.exit(main())
