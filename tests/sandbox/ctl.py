#!/usr/bin/env python
"""Start, stop and describe a sandbox for Ansible integration targets and the Makefile.

    python tests/sandbox/ctl.py start --state-dir D [serve.py args]   # daemonizes; prints D/sandbox.json
    python tests/sandbox/ctl.py stop --state-dir D
    python tests/sandbox/ctl.py integration-config --state-dir D --out tests/integration/integration_config.yml

``start`` passes everything after ``--state-dir D`` to serve.py (default: ``--tls``). The config file is JSON,
which is YAML, so ansible-test reads it as its integration_config.yml vars.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# pylint: disable=wrong-import-position
from harness import SandboxError, process_alive, read_info, start_sandbox, stop_pid  # noqa: E402


def integration_vars(info):
    """Flat, clearly named vars for integration targets (one sandbox -> one set of vars)."""
    out = {"sandbox_control_url": info["control_url"], "sandbox_tls": info["tls"], "sandbox_ca_path": info["ca_file"] or "",
           "sandbox_state_dir": info.get("state_dir", "")}
    instances = info.get("servicenow", [])
    if instances:
        sn = instances[0]
        out.update({"sn_host": sn["url"], "sn_name": sn["name"], "sn_ca_path": info["ca_file"] or "",
                    "sn_validate_certs": bool(info["tls"]), "sn_token_url": sn["token_url"],
                    "sn_client_id": sn["oauth_client"]["client_id"], "sn_client_secret": sn["oauth_client"]["client_secret"],
                    "sn_api_key": sn["api_key"],
                    "sn_username": sn["users"]["admin"]["username"], "sn_password": sn["users"]["admin"]["password"]})
        for key, user in sn["users"].items():
            if key != "admin":
                out["sn_%s_username" % key] = user["username"]
                out["sn_%s_password" % key] = user["password"]
        out["sn_spoke_scope"] = sn["spoke"]["scope"]
        out["sn_spoke_alias_id"] = sn["spoke"]["alias_id"]
        out["sn_spoke_version"] = sn["spoke"]["version"]
    out["sn_instances"] = [{"name": sn["name"], "host": sn["url"], "username": sn["users"]["admin"]["username"],
                            "password": sn["users"]["admin"]["password"]} for sn in instances]
    camunda = info.get("camunda") or {}
    saas = camunda.get("saas") or {}
    if saas:
        out.update({"camunda_token_url": saas["token_url"], "camunda_console_url": saas["console_url"],
                    "camunda_cluster_rest_url": saas["cluster_rest_url"], "camunda_console_audience": saas["console_audience"],
                    "camunda_cluster_audience": saas["cluster_audience"],
                    "camunda_client_id": saas["organization_client"]["client_id"],
                    "camunda_client_secret": saas["organization_client"]["client_secret"],
                    "camunda_limited_client_id": saas["limited_organization_client"]["client_id"],
                    "camunda_limited_client_secret": saas["limited_organization_client"]["client_secret"]})
        if saas.get("clusters"):
            cluster = saas["clusters"][0]
            out.update({"camunda_cluster_id": cluster["id"], "camunda_cluster_name": cluster["name"],
                        "camunda_region": cluster["region"], "camunda_cluster_version": cluster["version"]})
        out["camunda_clusters"] = saas.get("clusters", [])
    sm = camunda.get("self_managed") or {}
    if sm:
        out.update({"camunda_sm_keycloak_url": sm["keycloak_url"], "camunda_sm_realm": sm["realm"],
                    "camunda_sm_admin_username": sm["admin"]["username"], "camunda_sm_admin_password": sm["admin"]["password"],
                    "camunda_sm_token_url": sm["token_url"], "camunda_sm_audience": sm["audience"],
                    "camunda_sm_cluster_rest_url": sm["cluster_rest_url"]})
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("action", choices=("start", "stop", "integration-config", "info"))
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--out", help="integration-config: the file to write")
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20.0, help="start: seconds to wait for readiness")
    args, serve_args = parser.parse_known_args(argv)
    state_dir = os.path.abspath(args.state_dir)
    info = read_info(state_dir)
    if args.action == "start":
        if info and process_alive(info["pid"]):
            print(os.path.join(state_dir, "sandbox.json"))
            return 0
        serve_args = serve_args or ["--tls"]
        tls = "--tls" in serve_args
        serve_args = [a for a in serve_args if a != "--tls"]
        try:
            start_sandbox(state_dir, args.instances, tls, serve_args, timeout=args.timeout, detach=True)
        except SandboxError as err:
            sys.stderr.write("%s\n" % err)
            return 1
        print(os.path.join(state_dir, "sandbox.json"))
        return 0
    if args.action == "stop":
        if info:
            stop_pid(info["pid"])
        return 0
    if info is None:
        sys.stderr.write("no sandbox is running for %s; start it with: ctl.py start --state-dir %s\n" % (state_dir, state_dir))
        return 1
    if args.action == "info":
        print(json.dumps(info, indent=2, sort_keys=True))
        return 0
    if not args.out:
        parser.error("integration-config needs --out FILE")
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(integration_vars(info), handle, indent=2, sort_keys=True)
        handle.write("\n")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
