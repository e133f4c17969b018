"""Creates a CloudFormation stack and reports what it made, as JSON.

Usage:
  python scripts/tools/cfn_stack.py create --endpoint URL --template FILE \
      --stack NAME [--param Key=Value ...]
  python scripts/tools/cfn_stack.py describe-tables --endpoint URL TABLE ...

`create` creates the stack, waits for CREATE_COMPLETE (failing with the
stack's events otherwise) and prints
  {"outputs": {key: value}, "resources": {logical id: [type, physical id]}}
`describe-tables` prints, per table: its ARN, creation time, key schema,
stream settings, TTL and tags, so a caller can check a table before and
after something that must leave it alone.

The deployment test (tests/tests/deploy_stack.rs) runs it against moto with
the project's venv; boto3 comes with moto[server] (scripts/tools/
requirements.txt). Credentials and region are moto's dummies unless set.
"""

import argparse
import json
import os
import sys
import time

import boto3


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )


def create(args):
    cfn = client("cloudformation", args.endpoint)
    with open(args.template, encoding="utf-8") as f:
        body = f.read()
    params = []
    for pair in args.param:
        key, sep, value = pair.partition("=")
        if not sep:
            sys.exit(f"--param {pair!r}: expected Key=Value")
        params.append({"ParameterKey": key, "ParameterValue": value})
    cfn.create_stack(
        StackName=args.stack,
        TemplateBody=body,
        Parameters=params,
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    deadline = time.monotonic() + args.timeout
    while True:
        stack = cfn.describe_stacks(StackName=args.stack)["Stacks"][0]
        status = stack["StackStatus"]
        if status == "CREATE_COMPLETE":
            break
        if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            events = cfn.describe_stack_events(StackName=args.stack)["StackEvents"]
            lines = [
                f"  {e.get('LogicalResourceId')} {e.get('ResourceStatus')} {e.get('ResourceStatusReason', '')}"
                for e in events
            ]
            sys.exit(f"stack {args.stack} is {status}, not CREATE_COMPLETE:\n" + "\n".join(lines))
        time.sleep(0.2)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    # moto lists the resources it skipped (Glue, SNS subscriptions, alarms)
    # without a logical id.
    resources = {
        r["LogicalResourceId"]: [r.get("ResourceType", ""), r.get("PhysicalResourceId", "")]
        for r in cfn.list_stack_resources(StackName=args.stack)["StackResourceSummaries"]
        if r.get("LogicalResourceId")
    }
    json.dump({"outputs": outputs, "resources": resources}, sys.stdout, indent=2, sort_keys=True)
    print()


def describe_tables(args):
    ddb = client("dynamodb", args.endpoint)
    report = {}
    for name in args.tables:
        table = ddb.describe_table(TableName=name)["Table"]
        ttl = ddb.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
        tags = ddb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
        report[name] = {
            "arn": table["TableArn"],
            "created": table["CreationDateTime"].isoformat(),
            "keys": {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]},
            "attributes": {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]},
            "billing": table.get("BillingModeSummary", {}).get("BillingMode", ""),
            "stream": table.get("StreamSpecification", {}).get("StreamViewType", "")
            if table.get("StreamSpecification", {}).get("StreamEnabled")
            else "",
            "ttl": ttl.get("AttributeName", "") if ttl.get("TimeToLiveStatus") == "ENABLED" else "",
            "tags": {t["Key"]: t["Value"] for t in tags},
            "items": table.get("ItemCount", 0),
        }
    json.dump(report, sys.stdout, indent=2, sort_keys=True)
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--template", required=True)
    p.add_argument("--stack", required=True)
    p.add_argument("--param", action="append", default=[])
    p.add_argument("--timeout", type=float, default=120)
    p.set_defaults(run=create)
    p = sub.add_parser("describe-tables")
    p.add_argument("--endpoint", required=True)
    p.add_argument("tables", nargs="+")
    p.set_defaults(run=describe_tables)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
