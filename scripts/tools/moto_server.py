"""moto in server mode, with DynamoDB requests taken one at a time.

Usage: python scripts/tools/moto_server.py [-H 127.0.0.1] [-p 5000]

moto's server answers requests on many threads, and its DynamoDB model is
not safe under that: TransactWriteItems deep-copies whole tables for its
rollback while other threads write them, so concurrent transactions fail
with HTTP 500, both pass the same condition, or a rollback undoes another
request's committed write. Real DynamoDB serializes conflicting
transactions, and Nexus's optimistic concurrency relies on that. This
wrapper holds one lock around every DynamoDB and DynamoDB Streams request;
the other services (SQS long polls, Kinesis, SNS) stay concurrent.

With requests serialized, a transaction of Puts, Deletes and condition
checks needs no rollback if it checks every condition before it writes
anything: `transact_write_items` is replaced by such a version for those
(moto's own deep-copies each table it touches, stream records included,
which makes every transaction cost the size of the table). Transactions
with Updates keep moto's own implementation.

With --usage it also counts what clients ask of each service, for the AWS
cost figures (scripts/bench-aws): requests per operation and the capacity
units AWS would bill (DynamoDB read/write request units from the items
sent and returned, Kinesis PUT payload units, SNS/SQS 64 KiB chunks).
`GET /_nexus/usage` returns the counts as JSON; `POST /_nexus/usage/reset`
clears them.
"""

import argparse
import base64
import json
import math
import threading
import urllib.parse
from collections import Counter

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

_dynamodb = threading.Lock()


def _patch_transactions() -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        ops = []
        for item in transact_items:
            if len(item) > 1:
                raise TransactWriteSingleOpException
            ops.append(next(iter(item.items())))
        if any(op_type not in ("Put", "Delete", "ConditionCheck") for op_type, _ in ops):
            return original(self, transact_items)
        targets = set()
        errors = []
        keys = []
        for op_type, op in ops:
            table = self.get_table(op["TableName"])
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            target = (op["TableName"], str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)
            keys.append(key)
            condition = op.get("ConditionExpression")
            if condition is None:
                errors.append((None, None, None))
                continue
            current = self.get_item(op["TableName"], key)
            check = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if check.expr(current):
                errors.append((None, None, None))
            else:
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    old = current.to_json()["Attributes"]
                errors.append(("ConditionalCheckFailed", ConditionalCheckFailed().message, old))
        if any(code is not None for code, _, _ in errors):
            raise TransactionCanceledException(errors)
        for (op_type, op), key in zip(ops, keys):
            if op_type == "Put":
                self.put_item(op["TableName"], op["Item"])
            elif op_type == "Delete":
                self.delete_item(op["TableName"], key)

    DynamoDBBackend.transact_write_items = transact_write_items


def serialize_dynamodb(app):
    def wrapped(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with _dynamodb:
                # Produce the whole response inside the lock.
                return list(app(environ, start_response))
        return app(environ, start_response)

    return wrapped


_usage_lock = threading.Lock()
_usage: Counter = Counter()


def _value_size(value) -> int:
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return len(v.lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(v))
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: x}) for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(x) for k, x in v.items())
    if kind == "L":
        return 3 + sum(_value_size(x) + 1 for x in v)
    return 1  # BOOL, NULL


def item_size(item) -> int:
    """An item's size as DynamoDB bills it: names plus values."""
    return sum(len(name.encode()) + _value_size(value) for name, value in (item or {}).items())


def _units(size: int, unit: int) -> int:
    return max(1, math.ceil(size / unit))


def _count_dynamodb(op: str, body: dict, response: dict) -> None:
    wru = rru = 0.0
    if op == "PutItem":
        wru = _units(item_size(body.get("Item")), 1024)
    elif op in ("DeleteItem", "UpdateItem"):
        wru = 1
    elif op == "TransactWriteItems":
        for entry in body.get("TransactItems", []):
            (kind, spec), = entry.items()
            size = item_size(spec.get("Item")) if kind == "Put" else 1
            wru += 2 * _units(size, 1024)
    elif op == "BatchWriteItem":
        for requests in body.get("RequestItems", {}).values():
            for r in requests:
                wru += _units(item_size(r.get("PutRequest", {}).get("Item")), 1024)
    elif op == "GetItem":
        factor = 1 if body.get("ConsistentRead") else 0.5
        rru = factor * _units(item_size(response.get("Item")), 4096)
    elif op == "Query":
        factor = 1 if body.get("ConsistentRead") else 0.5
        rru = factor * _units(sum(item_size(i) for i in response.get("Items", [])), 4096)
    elif op == "BatchGetItem":
        for items in response.get("Responses", {}).values():
            for i in items:
                rru += _units(item_size(i), 4096)
    _usage["dynamodb.wru"] += wru
    _usage["dynamodb.rru"] += rru


def _count(environ, body: bytes, response: bytes) -> None:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    with _usage_lock:
        if target:
            service, _, op = target.partition(".")
            _usage[f"{service}.{op}"] += 1
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                return
            if service.startswith("DynamoDB_"):
                try:
                    answer = json.loads(response or b"{}")
                except ValueError:
                    answer = {}
                _count_dynamodb(op, request, answer)
            elif service.startswith("Kinesis") and op == "PutRecords":
                for record in request.get("Records", []):
                    size = len(base64.b64decode(record.get("Data", ""))) + len(record.get("PartitionKey", ""))
                    _usage["kinesis.put_payload_units"] += _units(size, 25 * 1024)
                    _usage["kinesis.records"] += 1
            elif service.startswith("AmazonSQS"):
                _usage["sqs.billed_requests"] += _units(len(body), 64 * 1024)
        else:
            form = urllib.parse.parse_qs(body.decode(errors="replace"))
            action = form.get("Action", [""])[0]
            if not action:
                return
            _usage[f"query.{action}"] += 1
            if action == "Publish":
                _usage["sns.billed_publishes"] += _units(len(body), 64 * 1024)
            elif action == "PublishBatch":
                entries = [k for k in form if k.endswith(".Message")]
                _usage["sns.billed_publishes"] += max(1, len(entries))


def count_usage(app):
    def wrapped(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_nexus/usage":
            with _usage_lock:
                payload = json.dumps(dict(sorted(_usage.items()))).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [payload]
        if path == "/_nexus/usage/reset":
            with _usage_lock:
                _usage.clear()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b"{}"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        import io

        environ["wsgi.input"] = io.BytesIO(body)
        response = b"".join(app(environ, start_response))
        _count(environ, body, response)
        return [response]

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--usage", action="store_true", help="count requests and billed units")
    args = parser.parse_args()
    _patch_transactions()
    app = DomainDispatcherApplication(create_backend_app)
    if args.usage:
        app = count_usage(app)
    run_simple(
        args.host,
        args.port,
        serialize_dynamodb(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
