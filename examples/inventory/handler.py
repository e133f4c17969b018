"""Inventory reservations: a remote command handler for the aggregate type
"inventory-item" (see README.md). Run: python handler.py --server 127.0.0.1:50051"""

import argparse, asyncio, logging, sys
from pathlib import Path

try:
    from nexus_sdk import Handler, Rejected
except ImportError:  # a checkout without `pip install ./sdk-gen/python`
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sdk-gen" / "python" / "src"))
    from nexus_sdk import Handler, Rejected

item = Handler("inventory-item", event_types=["StockAdded", "StockReserved", "ReservationReleased"],
               initial=lambda: {"available": 0, "reservations": {}, "released": set()})


@item.evolver
def evolve(state, event_type, data):
    state["available"] = data["available"]
    if event_type == "StockReserved":
        state["reservations"][data["reservation_id"]] = data["quantity"]
    elif event_type == "ReservationReleased":
        del state["reservations"][data["reservation_id"]]
        state["released"].add(data["reservation_id"])
    return state


def positive(command):
    if not isinstance(command.get("quantity"), int) or command["quantity"] <= 0:
        raise Rejected("INVALID_QUANTITY", "quantity must be a positive whole number")
    return command["quantity"]


def reservation_id(command):
    if not isinstance(command.get("reservation_id"), str) or not command["reservation_id"]:
        raise Rejected("INVALID_RESERVATION_ID", "reservation_id must be a non-empty string")
    return command["reservation_id"]


@item.command("AddStock")
def add_stock(state, command):
    quantity = positive(command)
    return ("StockAdded", {"quantity": quantity, "available": state["available"] + quantity})


@item.command("Reserve")
def reserve(state, command):
    rid, quantity = reservation_id(command), positive(command)
    if rid in state["reservations"] or rid in state["released"]:
        return None  # already reserved under this id: nothing happens again
    if quantity > state["available"]:
        raise Rejected("INSUFFICIENT_STOCK", f"cannot reserve {quantity}: {state['available']} available",
                       available=state["available"], requested=quantity)
    return ("StockReserved", {"reservation_id": rid, "quantity": quantity, "available": state["available"] - quantity})


@item.command("Release")
def release(state, command):
    rid = reservation_id(command)
    if rid in state["released"]:
        return None  # already released
    if rid not in state["reservations"]:
        raise Rejected("RESERVATION_NOT_FOUND", f"no reservation {rid!r}", reservation_id=rid)
    quantity = state["reservations"][rid]
    return ("ReservationReleased", {"reservation_id": rid, "quantity": quantity, "available": state["available"] + quantity})


if __name__ == "__main__":
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--server", default="127.0.0.1:50051", help="host:port, http:// or https:// (default %(default)s)")
    args.add_argument("--name", help="instance name for logs")
    args.add_argument("--token", help="bearer token (HandlerService.Serve needs admin)")
    args.add_argument("--max-in-flight", type=int, default=16, help="requests decided at once (default %(default)s)")
    args.add_argument("--verbose", "-v", action="store_true", help="log every decided request")
    opts = args.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format=f"%(asctime)s {opts.name or 'inventory'} %(levelname)s %(message)s")
    logging.getLogger("nexus_sdk.handler").setLevel(logging.DEBUG if opts.verbose else logging.INFO)
    try:
        asyncio.run(item.run(opts.server, name=opts.name, max_in_flight=opts.max_in_flight, token=opts.token))
    except KeyboardInterrupt:
        pass
