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
"""

import argparse
import threading

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    _patch_transactions()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        serialize_dynamodb(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
