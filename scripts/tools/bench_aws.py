"""Measures what Nexus asks of AWS per event, against moto.

Run by scripts/bench-aws (which builds nexus and sets up .venv). Starts moto
with usage counting (scripts/tools/moto_server.py --usage), creates the
resources, starts `nexus serve` on the AWS backends (DynamoDB event store,
Kinesis stream path, SNS->SQS queue path, DynamoDB coordination), runs
`nexus bench append` scenarios and reads, after each, the requests and
billed units moto saw. Prints a Markdown table and writes JSON.

Then measures append -> Kinesis subscriber and append -> SQS consumer
latency with `nexus bench paths`.

Usage: bench_aws.py --nexus BIN --grpcurl BIN [--duration 10s] [--paths-duration 20s] [--json FILE]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def post(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url, method="POST", data=b""), timeout=10).read()


# Operations whose count grows with the events appended (the rest --
# polling the change feed and Kinesis, lease renewals, checkpoint saves --
# grows with time and is measured separately as a rate).
PER_EVENT_OPS = (
    "TransactWriteItems",
    "BatchWriteItem",
    "PutRecords",
    "query.Publish",
    "query.PublishBatch",
    "SendMessage",
)


def event_driven(usage: dict) -> dict:
    return {k: v for k, v in usage.items() if any(k.endswith(op) for op in PER_EVENT_OPS)}


def wait_quiet(moto: str, quiet: float = 3.0, limit: float = 120.0) -> dict:
    """Waits until the event-driven requests have stopped for `quiet`
    seconds (the router has published everything), then returns the usage."""
    start = time.time()
    last = get(f"{moto}/_nexus/usage")
    last_change = time.time()
    while time.time() - start < limit:
        time.sleep(0.5)
        now = get(f"{moto}/_nexus/usage")
        if event_driven(now) != event_driven(last):
            last_change = time.time()
        last = now
        if time.time() - last_change >= quiet:
            break
    return last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nexus", required=True)
    parser.add_argument("--grpcurl", required=True)
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--paths-duration", default="20s")
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="nexus-bench-aws-")
    moto_port, nexus_port = free_port(), free_port()
    moto = f"http://127.0.0.1:{moto_port}"
    moto_proc = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "scripts/tools/moto_server.py"), "-p", str(moto_port), "--usage"],
        stdout=open(os.path.join(work, "moto.log"), "w"),
        stderr=subprocess.STDOUT,
    )
    server = None
    try:
        for _ in range(100):
            try:
                get(f"{moto}/_nexus/usage")
                break
            except OSError:
                time.sleep(0.2)
        run_id = uuid.uuid4().hex[:8]
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEXUS_")}
        env.update(
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            NEXUS_AWS__ENDPOINT_URL=moto,
            NEXUS_AWS__RESOURCES__EVENTS_TABLE=f"b{run_id}-events",
            NEXUS_AWS__RESOURCES__COORDINATION_TABLE=f"b{run_id}-coordination",
            NEXUS_AWS__RESOURCES__KINESIS_STREAM=f"b{run_id}-core",
            NEXUS_AWS__RESOURCES__TOPIC=f"b{run_id}-secondary.fifo",
            NEXUS_AWS__RESOURCES__QUEUE_PREFIX=f"b{run_id}-",
            NEXUS_EVENT_STORE__BACKEND="dynamodb",
            NEXUS_STREAM_BUS__BACKEND="kinesis",
            NEXUS_QUEUE_BUS__BACKEND="sqs",
            NEXUS_COORDINATION__BACKEND="dynamodb",
            NEXUS_PROJECTIONS__DIR=os.path.join(work, "no-projections"),
            NEXUS_SAGAS__DIR=os.path.join(work, "no-sagas"),
        )
        subprocess.run([args.nexus, "aws", "provision", "--shards", "1"], env=env, check=True, cwd=work)
        server = subprocess.Popen(
            [args.nexus, "serve", "--listen", f"127.0.0.1:{nexus_port}", "--data-dir", os.path.join(work, "data"),
             "--schemas-dir", os.path.join(ROOT, "schemas"), "--policies-dir", os.path.join(ROOT, "policies")],
            env=env,
            cwd=work,
            stdout=open(os.path.join(work, "nexus.log"), "w"),
            stderr=subprocess.STDOUT,
        )
        address = f"127.0.0.1:{nexus_port}"
        for _ in range(150):
            if subprocess.run([args.grpcurl, "-plaintext", address, "list"], capture_output=True).returncode == 0:
                break
            time.sleep(0.2)

        def grpc(method: str, body: dict) -> None:
            subprocess.run([args.grpcurl, "-plaintext", "-d", json.dumps(body), address, method],
                           check=True, capture_output=True)

        # What the replica asks of AWS while idle (polling, leases), per second.
        wait_quiet(moto, quiet=2.0)
        post(f"{moto}/_nexus/usage/reset")
        idle_seconds = 10.0
        time.sleep(idle_seconds)
        idle = {k: v / idle_seconds for k, v in get(f"{moto}/_nexus/usage").items()}

        def scenario(name: str, bench_args: list, queue_path: bool = False) -> dict:
            wait_quiet(moto, quiet=2.0)
            post(f"{moto}/_nexus/usage/reset")
            started = time.time()
            out = subprocess.run(
                [args.nexus, "bench", "append", "--server", f"http://{address}", "--warmup", "0s",
                 "--duration", args.duration, "--json", *bench_args],
                check=True, capture_output=True, text=True,
            )
            report = json.loads(out.stdout)
            if queue_path:
                # Ledger claims (PutItem) also happen while idle, so they do
                # not count as activity for wait_quiet: wait for the
                # publishes themselves first.
                deadline = time.time() + 180
                while (get(f"{moto}/_nexus/usage").get("sns.billed_publishes", 0) < report["events"]
                       and time.time() < deadline):
                    time.sleep(0.5)
            usage = wait_quiet(moto)
            elapsed = time.time() - started
            # Take away what the same time costs while idle.
            usage = {k: max(0.0, v - idle.get(k, 0.0) * elapsed) for k, v in usage.items()}
            events = report["events"]
            print(f"{name}: {events} events, {report['events_per_sec']:.0f}/s over {elapsed:.0f} s", file=sys.stderr)
            return {"scenario": name, "events": events, "seconds": elapsed, "report": report, "usage": usage}

        results = [
            scenario("core, single events", ["--concurrency", "16", "--batch-size", "1"]),
            scenario("core, batches of 98", ["--concurrency", "4", "--batch-size", "98"]),
        ]
        # The same events on the queue path: route the bench's type there
        # and give it one consumer.
        grpc("nexus.v1.SchemaService/PutSubject", {"subject": {"name": "BenchOrderPlaced", "dataFormat": "DATA_FORMAT_JSON", "route": "ROUTE_SECONDARY"}})
        grpc("nexus.v1.QueueService/CreateConsumer", {"name": "bench"})
        time.sleep(6)  # the router's route cache (5 s)
        results.append(scenario("queue path, single events", ["--concurrency", "16", "--batch-size", "1"], queue_path=True))

        # Latency from an append's acknowledgement to a Kinesis subscriber
        # and to an SQS-backed Consume stream, at a steady low rate, with
        # the consumers' own requests counted.
        wait_quiet(moto, quiet=2.0)
        post(f"{moto}/_nexus/usage/reset")
        out = subprocess.run(
            [args.nexus, "bench", "paths", "--server", f"http://{address}", "--rate", "20",
             "--duration", args.paths_duration, "--json"],
            env=env, check=True, capture_output=True, text=True, cwd=work,
        )
        paths = json.loads(out.stdout.strip().splitlines()[-1])
        paths["usage"] = get(f"{moto}/_nexus/usage")
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump({"idle_per_second": idle, "scenarios": results, "paths": paths}, f, indent=2)
        print_table(results)
        print()
        print(f"Append to consumer at {paths['rate']} appends/s ({paths['events']} events, emulator figures):")
        for key in ["append_to_kinesis_consumer", "append_to_sqs_consumer"]:
            l = paths[key]
            print(f"- {key}: p50 {l['p50_ms']:.1f} ms, p99 {l['p99_ms']:.1f} ms, max {l['max_ms']:.1f} ms "
                  f"({l['samples']} samples, {l['missing']} missing)")
        print(f"- append p50: {paths['append_p50_ms']:.1f} ms; Kinesis poll interval {paths['kinesis_poll_interval_ms']} ms")
        print("- requests during the latency run (server + bench consumers):")
        for k, v in sorted(paths["usage"].items()):
            if v and (k.startswith("kinesis.") or k.startswith("sqs.") or k.endswith("GetRecords")
                      or k.endswith("ReceiveMessage") or k.endswith("DeleteMessage")):
                print(f"  - {k}: {v:.0f}")
        print()
        print("Idle, per second and replica:")
        for k, v in sorted(idle.items()):
            if v:
                print(f"- {k}: {v:.2f}")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        moto_proc.terminate()
        moto_proc.wait(timeout=30)


def print_table(results: list) -> None:
    ops = sorted({k for r in results for k in r["usage"] if "." in k and k[0].isupper() or k.startswith("query.")})
    print("| per event | " + " | ".join(r["scenario"] for r in results) + " |")
    print("|---|" + "---|" * len(results))
    for op in ops:
        cells = [f"{r['usage'].get(op, 0) / max(1, r['events']):.3f}" for r in results]
        if any(c != "0.000" for c in cells):
            print(f"| {op} | " + " | ".join(cells) + " |")
    for unit in ["dynamodb.wru", "dynamodb.rru", "kinesis.records", "kinesis.put_payload_units",
                 "sns.billed_publishes", "sqs.billed_requests"]:
        cells = [f"{r['usage'].get(unit, 0) / max(1, r['events']):.3f}" for r in results]
        print(f"| **{unit}** | " + " | ".join(cells) + " |")
    print("| events measured | " + " | ".join(str(r["events"]) for r in results) + " |")


if __name__ == "__main__":
    main()
