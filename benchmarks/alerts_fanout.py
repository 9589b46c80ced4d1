"""Alert fan-out: one alert to 10,000 e-mail recipients, end to end, against the practical
limit of the same SMTP sink.

- **Sink**: aiosmtpd on 127.0.0.1 in its own process (so it does not share a GIL with either
  side), recording each message's recipient and arrival time (CLOCK_MONOTONIC, which every
  process on the machine shares).
- **Vigil**: a real ``vigil worker`` process, already running and idle (poll interval
  0.2 s). The benchmark queues the deliveries with ``outbox.queue_delivery`` in one
  transaction (the "decision", timed apart) and commits; from that commit to each message's
  arrival at the sink is its end-to-end latency. The worker claims, opens the sealed content,
  renders, sends over one SMTP connection per batch and records outcomes, as in production.
  Zero lost: every recipient must arrive, and every delivery be recorded as sent.
- **Baseline (the practical limit)**: a plain ``smtplib`` loop over one connection sending
  the *same* messages (Vigil's rendered bytes, made beforehand and not timed) to the same
  sink, run before and after Vigil's fan-out; the faster of the two runs counts. Also shown
  for orientation: the same loop composing each message with the standard library's
  ``email.message.EmailMessage``, as a short script would.

    python benchmarks/alerts_fanout.py [--recipients 10000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

DEFAULT_CONNECTIONS = 4  # VIGIL_DELIVERY_CONNECTIONS' default
_script = Path(sys.executable).with_name("vigil")
VIGIL = [str(_script)] if _script.exists() else [sys.executable, "-m", "vigil"]
TEXT = (
    "Urgent: a land defender working near a mining concession received a death threat on "
    "14 March. Our organisation has verified the report. We ask you, as a body with "
    "leverage over the companies involved, to use it now: contact the operator and its "
    "security contractor, ask them to condemn the threat publicly and to take measures "
    "so that it is not carried out.\n\n"
) * 3


# --- The sink (runs as `alerts_fanout.py --sink PORT`) -----------------------------------------


def sink_main(port: int) -> None:
    """Line protocol on stdin: "count", "reset", "dump PATH"; answers one line each."""
    from aiosmtpd.controller import Controller

    received: list[tuple[str, float]] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            now = time.monotonic()
            for rcpt in envelope.rcpt_tos:
                received.append((rcpt, now))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "count":
            print(len(received), flush=True)
        elif command == "reset":
            received.clear()
            print("ok", flush=True)
        elif command == "dump":
            Path(argument).write_text(json.dumps(received))
            print("ok", flush=True)
        else:
            break
    controller.stop()


class Sink:
    def __init__(self) -> None:
        import socket

        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.process = subprocess.Popen(  # noqa: S603 - this very script
            [sys.executable, __file__, "--sink", str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout and self.process.stdout.readline().strip() == "ready"

    def ask(self, command: str) -> str:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def received(self, scratch: Path) -> list[tuple[str, float]]:
        path = scratch / "sink.json"
        self.ask(f"dump {path}")
        return [tuple(item) for item in json.loads(path.read_text())]  # type: ignore[misc]

    def stop(self) -> None:
        self.ask("quit")
        self.process.wait(10)


# --- Helpers ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def smtplib_loop(port: int, messages: list[tuple[str, bytes]]) -> float:
    """The practical limit: send pre-made messages over one connection; seconds taken."""
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address, data in messages:
            smtp.sendmail("alerts@vigil.example", [address], data)
    return time.monotonic() - start


def stdlib_loop(port: int, addresses: list[str]) -> float:
    """A short script's way: compose each message with EmailMessage, then send it."""
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address in addresses:
            message = EmailMessage()
            message["From"] = "Vigil <alerts@vigil.example>"
            message["To"] = address
            message["Subject"] = "Urgent alert – threat against a defender"
            message.set_content(TEXT)
            message.add_alternative(f"<p>{TEXT}</p>", subtype="html")
            smtp.send_message(message)
    return time.monotonic() - start


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


# --- One database ---------------------------------------------------------------------------------


def fan_out(
    url: str, sink: Sink, recipients: int, scratch: Path, connections: int
) -> dict[str, object]:
    from sqlalchemy import delete, event, func, select

    from vigil.alerts.delivery_timeline import ALERT_TIMELINE
    from vigil.alerts.models import Alert
    from vigil.core.config import Environment, Settings
    from vigil.core.crypto import Vault, keystore_for
    from vigil.core.db import make_engine, make_sessionmaker, session_scope
    from vigil.core.jobs import JobRun
    from vigil.core.migrations import upgrade
    from vigil.incidents.models import Incident
    from vigil.organisations.service import ensure_organisation
    from vigil.outbox.channels import Outgoing
    from vigil.outbox.channels.email import EmailChannel
    from vigil.outbox.models import Delivery
    from vigil.outbox.service import queue_delivery

    upgrade(url)
    master = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    settings = Settings(
        env=Environment.test,
        data_dir=scratch / "var",
        database_url=url,
        secret_key=secrets.token_urlsafe(48),
        master_key=master,
        smtp_from="Vigil <alerts@vigil.example>",
    )
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        org = ensure_organisation(session, slug="bench", name="Bench")
        key = Vault(session=session, ring=keystore_for(settings).current()).new_key()
        incident = Incident(organisation_id=org.id, title="t", data_key_id=key.id, country="CO")
        session.add(incident)
        session.flush()
        alert = Alert(organisation_id=org.id, incident_id=incident.id, status="active", urgency=0)
        session.add(alert)
        session.flush()
        org_id, key_id, alert_id = org.id, key.id, alert.id
        session.execute(delete(JobRun))  # so the new worker's first round can be seen

    addresses = [f"recipient{i:05d}@example.org" for i in range(recipients)]

    def content(i: int) -> dict[str, object]:
        return {
            "subject": "Urgent alert – threat against a defender",
            "text": TEXT,
            "html": "".join(f"<p>{p}</p>" for p in TEXT.split("\n\n") if p),
            "unsubscribe_url": f"https://vigil.example/l/{secrets.token_urlsafe(32)}",
            "payload": None,
        }

    # The same messages for the baseline, rendered by Vigil beforehand (not timed).
    channel = EmailChannel(settings.model_copy(update={"smtp_url": None}))
    now = datetime.now(UTC)
    premade = [
        (
            address,
            channel.render(
                Outgoing(i, "email", address, "en", f"vigil-b{i}", "alert", 0, content(i)),
                now=now,
            ),
        )
        for i, address in enumerate(addresses)
    ]

    environment = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    environment.update(
        VIGIL_ENV="test",
        VIGIL_DATA_DIR=str(settings.data_dir),
        VIGIL_DATABASE_URL=url,
        VIGIL_SECRET_KEY=settings.secret.decode(),
        VIGIL_MASTER_KEY=master,
        VIGIL_SMTP_URL=f"smtp://127.0.0.1:{sink.port}",
        VIGIL_SMTP_FROM=settings.smtp_from,
        VIGIL_WORKER_POLL_SECONDS="0.2",
        VIGIL_LOG_LEVEL="WARNING",
        VIGIL_DELIVERY_CONNECTIONS=str(connections),
    )
    worker = subprocess.Popen([*VIGIL, "worker"], env=environment)  # noqa: S603
    try:

        def idle() -> bool:  # the worker's first round (daily jobs) is behind it
            with session_scope(factory) as session:
                done = session.scalar(
                    select(func.count()).where(JobRun.last_finished_at.is_not(None))
                )
                return (done or 0) >= 2

        wait_for(idle, 60, "the worker to start")

        sink.ask("reset")
        baseline_before = smtplib_loop(sink.port, premade)

        sink.ask("reset")
        started = time.monotonic()
        with factory() as session:  # one transaction: the decision to send
            vault = Vault(session=session, ring=keystore_for(settings).current())
            for i, address in enumerate(addresses):
                queue_delivery(
                    session,
                    vault,
                    organisation_id=org_id,
                    data_key_id=key_id,
                    alert_id=alert_id,
                    contact_id=None,
                    tier=1,
                    purpose="alert",
                    channel="email",
                    address=address,
                    language="en",
                    urgency=0,
                    content=content(i),
                    timeline=ALERT_TIMELINE,
                )
            session.flush()
            commit_times: list[float] = []

            def mark(_connection: object) -> None:
                commit_times.append(time.monotonic())

            event.listen(engine, "commit", mark)
            session.commit()  # the clock starts as the database commits
            event.remove(engine, "commit", mark)
        committed = commit_times[0]
        wait_for(lambda: int(sink.ask("count")) >= recipients, 600, "the fan-out")
        arrivals = sink.received(scratch)

        def all_recorded() -> bool:
            with session_scope(factory) as session:
                sent = session.scalar(
                    select(func.count()).where(
                        Delivery.alert_id == alert_id, Delivery.state == "sent"
                    )
                )
                return sent == recipients

        wait_for(all_recorded, 60, "every outcome to be recorded")

        sink.ask("reset")
        baseline_after = smtplib_loop(sink.port, premade)
        sink.ask("reset")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker_exit = worker.wait(30)
        engine.dispose()

    per_recipient: dict[str, int] = {}
    for rcpt, _at in arrivals:
        per_recipient[rcpt] = per_recipient.get(rcpt, 0) + 1
    lost = len(set(addresses) - set(per_recipient))
    latencies = [at - committed for _rcpt, at in arrivals]
    first, last = min(at for _r, at in arrivals), max(at for _r, at in arrivals)
    baseline = min(baseline_before, baseline_after)
    vigil_rate = recipients / (last - committed)
    baseline_rate = recipients / baseline
    return {
        "recipients": recipients,
        "connections": connections,
        "queue_seconds": committed - started,
        "vigil_seconds_commit_to_last": last - committed,
        "vigil_msgs_per_s": vigil_rate,
        "vigil_steady_msgs_per_s": (recipients - 1) / (last - first),
        "first_message_latency_s": first - committed,
        "latency_p50_s": percentile(latencies, 0.5),
        "latency_p95_s": percentile(latencies, 0.95),
        "latency_max_s": last - committed,
        "baseline_seconds": [baseline_before, baseline_after],
        "baseline_msgs_per_s": baseline_rate,
        "ratio": vigil_rate / baseline_rate,
        "lost": lost,
        "duplicates": len(arrivals) - len(per_recipient),
        "worker_exit_code": worker_exit,
        "message_bytes": sum(len(d) for _a, d in premade) // recipients,
    }


def run(recipients: int = 10_000, *, postgres: bool = True) -> dict[str, object]:
    from bench_db import own_postgres_database

    sink = Sink()
    results: dict[str, object] = {}
    scratch = Path(tempfile.mkdtemp(prefix="vigil-fanout-"))
    try:
        sink.ask("reset")
        seconds = stdlib_loop(sink.port, [f"s{i}@example.org" for i in range(recipients)])
        results["stdlib_emailmessage_msgs_per_s"] = recipients / seconds
        sqlite_dir = scratch / "sqlite"
        sqlite_dir.mkdir()
        for connections, name in ((DEFAULT_CONNECTIONS, "sqlite"), (1, "sqlite_1_connection")):
            results[name] = fan_out(
                f"sqlite:///{sqlite_dir / 'vigil.db'}", sink, recipients, sqlite_dir, connections
            )
        if postgres:
            pg_dir = scratch / "postgresql"
            pg_dir.mkdir()
            with own_postgres_database("alerts") as pg_url:
                for connections, name in (
                    (DEFAULT_CONNECTIONS, "postgresql"),
                    (1, "postgresql_1_connection"),
                ):
                    results[name] = fan_out(pg_url, sink, recipients, pg_dir, connections)
    finally:
        sink.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def report_lines(results: dict[str, object]) -> list[str]:
    lines = []
    for db in ("sqlite", "postgresql", "sqlite_1_connection", "postgresql_1_connection"):
        r = results.get(db)
        if not isinstance(r, dict):
            continue
        n, lanes = r["recipients"], r["connections"]
        lines += [
            f"| alert fan-out {db}, {n:,} e-mails, {lanes} SMTP connection(s): msgs/s "
            "commit→last arrival (vs smtplib loop, same messages, one connection) "
            f"| {r['vigil_msgs_per_s']:.0f} | {r['baseline_msgs_per_s']:.0f} "
            f"| {r['ratio']:.2f}× |",
            f"| alert fan-out {db}: latency p50 / p95 / max s (first message "
            f"{r['first_message_latency_s']:.2f} s) | {r['latency_p50_s']:.2f} / "
            f"{r['latency_p95_s']:.2f} / {r['latency_max_s']:.2f} | – | – |",
            f"| alert fan-out {db}: lost / duplicates (queueing took "
            f"{r['queue_seconds']:.1f} s) | {r['lost']} / {r['duplicates']} | 0 / 0 | – |",
        ]
    return lines


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--sink":
        sink_main(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    results = run(args.recipients, postgres=not args.no_postgres)
    print(json.dumps(results, indent=2))
    print("\n".join(report_lines(results)))


if __name__ == "__main__":
    main()
