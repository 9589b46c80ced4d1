"""Run the quality and scale benchmarks and print every figure with its ratio to the baseline.

    python benchmarks/run.py                 # full: 1,000,000 companies, 5,000,000 edges
    python benchmarks/run.py --scale small   # 100,000 / 500,000 / 1,000 queries
    python benchmarks/run.py --only alerts   # only the alert fan-out (10,000 e-mails)
    python benchmarks/run.py --only register # only the public register (1,000,000 incidents)
    python benchmarks/run.py --only link-sources  # precision/recall of incidents link-sources
    python benchmarks/run.py --only imports  # vigil import incidents, 10,000 and 100,000 rows

Quality baselines are nomenklatura logic-v2 (same data, same run); matching's is a raw
rapidfuzz scan of the same candidate blocks; leverage's a raw recursive SQL query.
The figures are also written as JSON to benchmarks/results-<scale>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import alerts_fanout  # noqa: E402
import quality  # noqa: E402
import register  # noqa: E402
import scale  # noqa: E402

#: Incidents in the public-register benchmark, per scale.
REGISTER_SCALES = {"full": 1_000_000, "small": 100_000, "tiny": 20_000}
SCALES = {
    "full": (1_000_000, 5_000_000, 10_000, 1_000),
    "small": (100_000, 500_000, 1_000, 1_000),
    "tiny": (20_000, 100_000, 200, 100),
}


def machine() -> str:
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {pages / 2**30:.1f} GiB RAM, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}×" if baseline else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--only",
        choices=["alerts", "register", "link-sources", "imports"],
        help="run only this part (alerts: the e-mail fan-out; register: the public register; "
        "link-sources: precision and recall of the same incident across sources; "
        "imports: vigil import incidents against plain executemany)",
    )
    parser.add_argument(
        "--import-rows",
        default="10000,100000",
        help="rows of the import runs, comma-separated (the first also warms up)",
    )
    parser.add_argument("--recipients", type=int, default=10_000, help="alert fan-out size")
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}", flush=True)
    report: dict[str, object] = {"machine": machine(), "date": f"{datetime.now(UTC):%F}"}
    lines = ["", "| figure | Vigil | baseline | ratio |", "| --- | ---: | ---: | ---: |"]
    if args.only == "alerts":
        report["alerts_fanout"] = alerts = alerts_fanout.run(
            args.recipients, postgres=not args.no_postgres
        )
        print("\n".join(lines + alerts_fanout.report_lines(alerts)))
        out = HERE / "results-alerts.json"
        out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nwritten: {out.relative_to(HERE.parent)}")
        return
    if args.only == "link-sources":
        import link_sources  # needs Faker (the bench group), only for this part

        report["link_sources"] = linked = link_sources.run(postgres=not args.no_postgres)
        print("\n".join(lines + link_sources.report_lines(linked)))
        out = HERE / "results-link-sources.json"
        out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nwritten: {out.relative_to(HERE.parent)}")
        return
    if args.only == "imports":
        import imports

        sizes = tuple(int(n) for n in args.import_rows.split(","))
        report["imports"] = found = imports.run(sizes, postgres=not args.no_postgres)
        print("\n".join(lines + imports.report_lines(found)))
        out = HERE / "results-imports.json"
        out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nwritten: {out.relative_to(HERE.parent)}")
        return
    if args.only == "register":
        report["register"] = found = register.run(
            REGISTER_SCALES[args.scale], postgres=not args.no_postgres
        )
        print("\n".join(lines + register.report_lines(found)))
        out = HERE / f"results-register-{args.scale}.json"
        out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nwritten: {out.relative_to(HERE.parent)}")
        return
    results = quality.run()
    report["quality"] = results
    by = {(dataset, system): figures for dataset, system, figures in results}
    for dataset in ("patstat raw person_name", "open supply hub pairs"):
        ours, peer = by[(dataset, "vigil")], by[(dataset, "nomenklatura logic-v2")]
        for key in ("precision", "recall", "f1", "blocking_recall"):
            lines.append(
                f"| {dataset}: {key} (vs nomenklatura) | {ours[key]:.4f} | {peer[key]:.4f} "
                f"| {ratio(ours[key], peer[key])} |"
            )
        lines.append(
            f"| {dataset}: seconds (speed-up vs nomenklatura) | {ours['seconds']:.3f} "
            f"| {peer['seconds']:.3f} | {ratio(peer['seconds'], ours['seconds'])} |"
        )
        if "largest_cluster" in ours:
            lines.append(
                f"| {dataset}: largest proposed cluster (records) | {ours['largest_cluster']} "
                f"| {peer['largest_cluster']} | – |"
            )
    if not args.skip_scale:
        companies, relationships, queries, leverage = SCALES[args.scale]
        report["scale"] = args.scale
        found = scale.run(
            companies, relationships, queries, leverage, postgres=not args.no_postgres
        )
        report["scale_results"] = found
        m = found["matching"]
        lines += [
            f"| matching ({companies:,} companies, {queries:,} queries): queries/s "
            f"(vs raw rapidfuzz) | {m['vigil_qps']:.0f} | {m['baseline_qps']:.0f} "
            f"| {ratio(m['vigil_qps'], m['baseline_qps'])} |",
            f"| matching: recall@5 | {m['vigil_recall_at_5']:.4f} "
            f"| {m['baseline_recall_at_5']:.4f} "
            f"| {ratio(m['vigil_recall_at_5'], m['baseline_recall_at_5'])} |",
            f"| matching: blocking recall (truth among candidates) | {m['blocking_recall']:.4f} "
            "| same blocks | 1.00× |",
            f"| peak RSS of the whole run (MiB; target < 2048) | {found['peak_rss_mib']:.0f} "
            "| – | – |",
        ]
        for db in ("sqlite", "postgresql"):
            dbm = found.get(f"matching_{db}")
            if dbm:
                lines.append(
                    f"| match_companies on {db} ({dbm['queries']:,} queries): queries/s, "
                    f"recall@5, first query s | {dbm['qps']:.0f}, {dbm['recall_at_5']:.4f}, "
                    f"{dbm['first_query_s']:.2f} | – | – |"
                )
        for db in ("sqlite", "postgresql"):
            lev = found.get(f"leverage_{db}")
            if not lev:
                continue
            for stat in ("mean", "p95"):
                ours, raw = lev[f"vigil_{stat}_ms"], lev[f"raw_{stat}_ms"]
                lines.append(
                    f"| leverage map {db}, {relationships:,} edges: {stat} ms "
                    f"(vs raw recursive SQL; ratio = time) | {ours:.1f} | {raw:.1f} "
                    f"| {ratio(ours, raw)} |"
                )
    report["alerts_fanout"] = alerts = alerts_fanout.run(
        args.recipients, postgres=not args.no_postgres
    )
    lines += alerts_fanout.report_lines(alerts)
    report["register"] = found_register = register.run(
        REGISTER_SCALES[args.scale if not args.skip_scale else "tiny"],
        postgres=not args.no_postgres,
    )
    lines += register.report_lines(found_register)
    print("\n".join(lines))
    name = args.scale if not args.skip_scale else "quality"
    out = HERE / f"results-{name}.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
