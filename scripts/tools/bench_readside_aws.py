"""Measures the read side on the AWS profile: moto + osmem-server.

Run by scripts/bench-aws-read-side (which builds nexus and sets up .venv).
Starts moto with usage counting (scripts/tools/moto_server.py --usage) and
osmem-server behind a counting HTTP proxy (this file), provisions the AWS
resources, starts `nexus serve` with every port on AWS services and the
read models on OpenSearch (the example projections), and runs
`nexus bench read-side` against it: append -> WatchDocuments latency and the
projection's rebuild throughput. Then divides the requests moto and the
OpenSearch proxy saw by the events appended. Emulator figures: the speed
of moto and osmem says little about AWS; the request counts do.

Usage: bench_readside_aws.py --nexus BIN --osmem BIN [--duration 20s]
       [--concurrency 8] [--streams 200] [--watchers 20] [--json FILE]
       [--schemas-backend embedded|glue]
"""

import argparse
import http.client
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
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


def kind_of(method: str, path: str) -> str:
    """A request's kind: the method and the first path segment that starts
    with '_' (the API), or 'index' for requests on an index itself."""
    path = path.split("?", 1)[0]
    api = next((seg for seg in path.split("/") if seg.startswith("_")), None)
    if api == "_doc":
        return f"{method} _doc"
    return f"{method} {api or 'index'}"


class Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict = {}
        self.bulk_actions = 0

    def add(self, kind: str, bulk_actions: int) -> None:
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.bulk_actions += bulk_actions

    def take(self) -> dict:
        with self.lock:
            out = dict(self.counts)
            out["bulk actions"] = self.bulk_actions
            self.counts, self.bulk_actions = {}, 0
            return out


def start_proxy(target_port: int, counts: Counts) -> int:
    """A forwarding HTTP proxy on 127.0.0.1 that counts requests by kind."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            bulk = body.count(b"\n") // 2 if body and "_bulk" in self.path else 0
            # Deletes of a bulk carry no source line; none are sent per event.
            counts.add(kind_of(self.command, self.path), bulk)
            conn = http.client.HTTPConnection("127.0.0.1", target_port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(self.command, self.path, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
            self.send_response(reply.status)
            for k, v in reply.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nexus", required=True)
    parser.add_argument("--osmem", required=True)
    # The binary that runs `nexus bench read-side` (the load and the
    # watchers); the server is always --nexus. Default: --nexus.
    parser.add_argument("--bench-client")
    parser.add_argument("--duration", default="20s")
    parser.add_argument("--concurrency", default="8")
    parser.add_argument("--streams", default="200")
    parser.add_argument("--watchers", default="20")
    parser.add_argument("--schemas-backend", default="embedded", choices=["embedded", "glue"])
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="nexus-bench-readside-aws-")
    moto_port, osmem_port, nexus_port = free_port(), free_port(), free_port()
    moto = f"http://127.0.0.1:{moto_port}"
    moto_proc = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "scripts/tools/moto_server.py"), "-p", str(moto_port), "--usage"],
        stdout=open(os.path.join(work, "moto.log"), "w"),
        stderr=subprocess.STDOUT,
    )
    osmem_proc = subprocess.Popen(
        [args.osmem, "-addr", f"127.0.0.1:{osmem_port}", "-no-stdin-watch", "-parent-pid", str(os.getpid())],
        stdout=open(os.path.join(work, "osmem.log"), "w"),
        stderr=subprocess.STDOUT,
    )
    counts = Counts()
    proxy_port = start_proxy(osmem_port, counts)
    server = None
    try:
        for _ in range(100):
            try:
                get(f"{moto}/_nexus/usage")
                urllib.request.urlopen(f"http://127.0.0.1:{osmem_port}/", timeout=2).read()
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
            NEXUS_AWS__RESOURCES__SNAPSHOTS_TABLE=f"b{run_id}-snapshots",
            NEXUS_AWS__RESOURCES__SAGAS_TABLE=f"b{run_id}-sagas",
            NEXUS_EVENT_STORE__BACKEND="dynamodb",
            NEXUS_STREAM_BUS__BACKEND="kinesis",
            NEXUS_QUEUE_BUS__BACKEND="sqs",
            NEXUS_COORDINATION__BACKEND="dynamodb",
            NEXUS_SNAPSHOTS__BACKEND="dynamodb",
            NEXUS_SAGAS__BACKEND="dynamodb",
            NEXUS_PROJECTIONS__BACKEND="opensearch",
            NEXUS_OPENSEARCH__URL=f"http://127.0.0.1:{proxy_port}",
            NEXUS_OPENSEARCH__INDEX_PREFIX=f"b{run_id}-",
            NEXUS_PROJECTIONS__DIR=os.path.join(ROOT, "projections"),
            NEXUS_SAGAS__DIR=os.path.join(work, "no-sagas"),
        )
        if args.schemas_backend == "glue":
            env["NEXUS_SCHEMAS__BACKEND"] = "glue"
            env["NEXUS_AWS__RESOURCES__SCHEMA_REGISTRY"] = f"b{run_id}"
        subprocess.run([args.nexus, "aws", "provision", "--shards", "1"], env=env, check=True, cwd=work)
        server = subprocess.Popen(
            [args.nexus, "serve", "--listen", f"127.0.0.1:{nexus_port}", "--data-dir", os.path.join(work, "data"),
             "--schemas-dir", os.path.join(ROOT, "schemas"), "--policies-dir", os.path.join(ROOT, "policies")],
            env=env,
            cwd=work,
            stdout=open(os.path.join(work, "nexus.log"), "w"),
            stderr=subprocess.STDOUT,
        )
        address = f"http://127.0.0.1:{nexus_port}"
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", nexus_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(3)  # the projections lease and the first polls
        post(f"{moto}/_nexus/usage/reset")
        counts.take()
        started = time.time()

        def bench(duration: str, rebuild: bool) -> dict:
            out = subprocess.run(
                [args.bench_client or args.nexus, "bench", "read-side", "--server", address, "--concurrency", args.concurrency,
                 "--streams", args.streams, "--watchers", args.watchers, "--duration", duration, "--json",
                 *([] if rebuild else ["--no-rebuild"])],
                capture_output=True, text=True, cwd=work,
            )
            if out.returncode != 0:
                sys.exit(f"nexus bench read-side failed:\n{out.stdout}\n{out.stderr}\nserver log: {work}/nexus.log")
            return json.loads(out.stdout.strip().splitlines()[-1])

        # 1. Latency under load, and the requests it took (no rebuild).
        report = bench(args.duration, rebuild=False)
        elapsed = time.time() - started
        time.sleep(3)  # the last batches and marks
        usage = get(f"{moto}/_nexus/usage")
        opensearch = counts.take()
        # Appends made: the accounts opened, the warmup (2 s) and the measured
        # load, at the measured rate.
        events = int(args.streams) + int(report["appends_per_second"] * (float(args.duration.rstrip("s")) + 2))
        # 2. The projection's throughput: a rebuild over the whole log.
        rebuild = bench("2s", rebuild=True)["rebuild"]
        result = {"report": report, "rebuild": rebuild, "seconds": elapsed, "events_appended": events,
                  "aws_requests": usage, "opensearch_requests": opensearch}
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(result, f, indent=2)
        print(json.dumps(report, indent=2))
        print(f"rebuild: {json.dumps(rebuild)}")
        print(f"\nLoad phase: {elapsed:.0f} s, about {events} events appended. Requests per event:")
        print("AWS (moto):")
        for k, v in sorted(usage.items()):
            if v and re.match(r"^[A-Za-z]", k):
                print(f"- {k}: {v:.0f} ({v / events:.3f} per event)")
        print("OpenSearch (proxy):")
        for k, v in sorted(opensearch.items()):
            print(f"- {k}: {v} ({v / events:.3f} per event)")
    finally:
        if server:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        moto_proc.terminate()
        osmem_proc.terminate()
        moto_proc.wait(timeout=30)


if __name__ == "__main__":
    main()
