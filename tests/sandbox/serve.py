#!/usr/bin/env python
"""Run the sandbox: N ServiceNow instances and the Camunda 8 services, each on its own 127.0.0.1 port.

    python tests/sandbox/serve.py --state-dir DIR [--instances N] [--tls] [--latency-ms MS] [--port-base P]

Writes DIR/sandbox.json (atomically) once every port answers, removes it on exit, stops on SIGTERM/SIGINT or
after --max-lifetime seconds. See tests/sandbox/README.md.
"""

import argparse
import json
import os
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# pylint: disable=wrong-import-position
from emulator import servicenow  # noqa: E402
from emulator.control import PREFIX, ControlPlane  # noqa: E402
from emulator.server import ServiceServer  # noqa: E402

try:
    from emulator import camunda  # noqa: E402
except ImportError as import_error:  # the Camunda emulation is built separately; run without it until it lands
    if getattr(import_error, "name", "") not in ("emulator.camunda", "camunda"):
        raise
    camunda = None

INFO_FILE = "sandbox.json"
PORTS_FILE = "ports.json"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--state-dir", required=True, help="where state, certificates and sandbox.json live")
    parser.add_argument("--instances", type=int, default=1, help="ServiceNow instances (default 1)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS from a CA generated in the state dir")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every service request")
    parser.add_argument("--port-base", type=int, default=0,
                        help="first port; services get consecutive ports (default: the ports of the last run on this "
                        "state dir if free, else ephemeral)")
    parser.add_argument("--max-lifetime", type=float, default=3600,
                        help="exit by itself after this many seconds (default 3600; 0 = never)")
    parser.add_argument("--no-camunda", action="store_true", help="serve ServiceNow instances only")
    servicenow.add_arguments(parser)
    if camunda is not None:
        camunda.add_arguments(parser)
    return parser.parse_args(argv)


def _write_json(path, payload):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def _previous_ports(state_dir):
    try:
        with open(os.path.join(state_dir, PORTS_FILE), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _bind(services, control, args, ssl_context):
    """One ServiceServer per service. Without --port-base, reuse last run's ports so URLs survive a restart."""
    previous = _previous_ports(args.state_dir)
    servers = []
    for index, service in enumerate(services):
        if args.port_base:
            servers.append(ServiceServer(service, control, args.port_base + index, ssl_context))
            continue
        try:
            servers.append(ServiceServer(service, control, int(previous.get(service.name, 0)), ssl_context))
        except OSError:
            servers.append(ServiceServer(service, control, 0, ssl_context))
    return servers


def main(argv=None):
    args = parse_args(argv)
    state_dir = os.path.abspath(args.state_dir)
    args.state_dir = state_dir
    os.makedirs(state_dir, exist_ok=True)
    info_path = os.path.join(state_dir, INFO_FILE)
    if os.path.exists(info_path):
        os.remove(info_path)  # a stale file must not look like readiness to whoever waits for it

    ssl_context, ca_file = None, None
    if args.tls:
        from emulator.tls import server_context  # pylint: disable=import-outside-toplevel
        ssl_context, ca_file = server_context(state_dir)

    sn_services = servicenow.build_services(state_dir, args)
    camunda_services = camunda.build_services(state_dir, args) if camunda is not None and not args.no_camunda else []
    services = sn_services + camunda_services
    control = ControlPlane({service.name: service for service in services}, latency_ms=args.latency_ms)
    servers = _bind(services, control, args, ssl_context)
    urls = {server.service.name: server.url for server in servers}
    for service in sn_services:
        service.base_url = urls[service.name]
        service.control = control
    _write_json(os.path.join(state_dir, PORTS_FILE), {server.service.name: server.port for server in servers})

    info = {
        "pid": os.getpid(), "tls": bool(args.tls), "ca_file": ca_file, "state_dir": state_dir,
        "latency_ms": args.latency_ms,
        "control_url": servers[0].url + PREFIX,
        "services": urls,
        "servicenow": servicenow.describe(sn_services),
        "camunda": camunda.describe(camunda_services, urls) if camunda_services else {},
    }
    control.info = info
    for server in servers:
        server.start()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    _write_json(info_path, info)
    stop.wait(args.max_lifetime if args.max_lifetime > 0 else None)
    for server in servers:
        server.stop()
    if os.path.exists(info_path):
        os.remove(info_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
