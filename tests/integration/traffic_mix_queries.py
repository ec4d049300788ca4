"""Evaluates every panel expression of the traffic-mix Grafana dashboard through a real Prometheus's
HTTP API over the window of a live `tad classify --metrics-port` run; each must return data. Also:
the flows Prometheus counted are the flows tad wrote (the JSON lines of the run), so the panels show
the run's figures and not only zeros.

Usage: traffic_mix_queries.py PROMETHEUS_URL DASHBOARD_JSON START END FLOWS
(START and END in Unix seconds; FLOWS the number of flow records the run wrote by END.)
Exit 1 with every failing expression.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prometheus_queries import (GRAFANA_INTERVALS, dashboard_expressions, exit_code, finite_samples, query_range,
                                substitute)


def main():
    prometheus, dashboard_path, start, end, flows = sys.argv[1:6]
    with open(dashboard_path) as file:
        dashboard = json.load(file)
    variables = dict(GRAFANA_INTERVALS)
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") != "datasource":
            raise SystemExit(f"variable ${variable['name']}: teach traffic_mix_queries.py its test value")
        variables[variable["name"]] = "prometheus"  # names the data source, never inside an expr

    failures = []
    checks = dashboard_expressions(dashboard)
    for origin, raw in checks:
        try:
            result = query_range(prometheus, substitute(raw, variables), start, end)
        except Exception as error:  # one line per failing expression, then go on with the others
            failures.append(f"{origin}: {raw}\n    error: {error}")
            continue
        with_data = [series for series in result if finite_samples(series)]
        if with_data:
            print(f"ok  {len(with_data)} series  {origin}: {raw}")
        else:
            failures.append(f"{origin}: {raw}\n    returned no data over the run's window")

    counted = max((max(finite_samples(series), default=0.0)
                   for series in query_range(prometheus, "sum(tad_classify_flows_total)", start, end)), default=0.0)
    if counted != float(flows):
        failures.append(f"sum(tad_classify_flows_total) reached {counted}, but the run wrote {flows} flow records")
    else:
        print(f"ok  Prometheus counted the {flows} flows the run wrote")

    return exit_code(failures, "checks failed", f"all {len(checks)} traffic-mix expressions returned data")


if __name__ == "__main__":
    sys.exit(main())
