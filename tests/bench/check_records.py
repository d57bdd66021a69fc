#!/usr/bin/env python
"""The record checks both playbooks/site.yml and the uri baseline (tests/bench/baseline.yml) must pass.

    python tests/bench/check_records.py SANDBOX_JSON INVENTORY_JSON

Reads what the sandbox holds through its own APIs, as a user would check it: the ServiceNow Table API (admin) of
every instance the inventory names, and Camunda Console (one organization token). Prints one line per problem and
exits 1 when there is any; exits 0 and prints a one-line summary when every instance is connected as the documented
setup says (setup-and-configuration: OAuth profile, default profile, credential, connection on the alias, connector
secrets, one Camunda client per instance).
"""

import json
import sys
import time
from urllib.parse import quote

import requests

SCOPE = "x_camun_camunda"
ALIAS = "x_camun_camunda.Camunda"
TOKEN_URL_DOCUMENTED = "https://login.cloud.camunda.io/oauth/token"


class Checker:
    def __init__(self, info, inventory):
        self.info = info
        self.inventory = inventory["servicenow"]
        self.verify = info.get("ca_file") or False
        self.session = requests.Session()
        self.problems = []

    def problem(self, host, text):
        self.problems.append("%s: %s" % (host, text))

    # --- ServiceNow ------------------------------------------------------------------------------------------
    def rows(self, instance, table, query, fields):
        url = "%s/api/now/table/%s?sysparm_query=%s&sysparm_fields=%s&sysparm_exclude_reference_link=true" % (
            instance["host"], table, quote(query, safe="=^"), ",".join(fields))
        response = self.session.get(url, auth=(instance["username"], instance["password"]),
                                    headers={"Accept": "application/json"}, verify=self.verify, timeout=60)
        response.raise_for_status()
        return response.json()["result"]

    def one(self, host, instance, table, query, fields, what):
        found = self.rows(instance, table, query, fields)
        if len(found) != 1:
            self.problem(host, "%d %s record(s) match %s, expected exactly 1" % (len(found), what, query))
            return None
        return found[0]

    def expect(self, where, record, what, **wanted):
        for field, value in wanted.items():
            if str(record.get(field)) != str(value):
                self.problem(where, "%s %s is %r, expected %r" % (what, field, record.get(field), value))

    # --- Camunda ---------------------------------------------------------------------------------------------
    def console(self, path):
        saas = self.info["camunda"]["saas"]
        if not hasattr(self, "_token"):
            self._token = self.token(saas)  # pylint: disable=attribute-defined-outside-init
        response = self.session.get(saas["console_url"] + path, headers={
            "Accept": "application/json", "Authorization": "Bearer " + self._token}, verify=self.verify, timeout=60)
        response.raise_for_status()
        return response.json()

    def token(self, saas):
        org = saas["organization_client"]
        for _attempt in range(10):
            response = self.session.post(saas["token_url"], data={
                "grant_type": "client_credentials", "audience": saas["console_audience"],
                "client_id": org["client_id"], "client_secret": org["client_secret"]}, verify=self.verify, timeout=60)
            if response.status_code == 429:  # the token service allows about one request per second per address
                time.sleep(float(response.headers.get("Retry-After") or 1))
                continue
            response.raise_for_status()
            return response.json()["access_token"]
        raise RuntimeError("the Camunda token service kept answering 429")

    # --- The checks ------------------------------------------------------------------------------------------
    def run(self):
        group = self.inventory["vars"]
        cluster_id = group["setup_camunda_cluster_id"]
        cluster = self.console("/clusters/%s" % cluster_id)
        region = cluster["links"]["zeebe"].split(".")[1]
        clients = dict((c["clientId"], c) for c in self.console("/clusters/%s/clients" % cluster_id))
        secrets = self.console("/clusters/%s/secrets" % cluster_id)
        if secrets.get("snUser") != group["setup_connector_user"]:
            self.problem("camunda", "connector secret snUser does not hold the ServiceNow user")
        if secrets.get("snPwd") != group["setup_connector_password"]:
            self.problem("camunda", "connector secret snPwd does not hold the ServiceNow password")
        held = {}
        for host, hostvars in sorted(self.inventory["hosts"].items()):
            client_id = self.check_instance(host, dict(group, **hostvars), cluster_id, region)
            if client_id is None:
                continue
            if client_id not in clients:
                self.problem(host, "the OAuth profile holds client %s, which cluster %s does not have" % (client_id, cluster_id))
            elif "Zeebe" not in (clients[client_id].get("permissions") or []):
                self.problem(host, "client %s lacks the Zeebe permission" % client_id)
            held.setdefault(client_id, []).append(host)
        for client_id, hosts in held.items():
            if len(hosts) > 1:
                self.problem(",".join(hosts), "share client %s (one client per instance expected)" % client_id)
        return self.problems

    def token_url(self):
        """The token service the inventory configures (camunda.oauth_url), else Camunda SaaS's documented one: the
        URL ServiceNow must fetch its tokens from (never the one the Console reports)."""
        return (self.inventory["vars"].get("setup_camunda") or {}).get("oauth_url") or TOKEN_URL_DOCUMENTED

    def check_instance(self, host, hv, cluster_id, region):
        sn = hv["setup_servicenow_instance"]
        profile_name = hv.get("setup_oauth_profile_name", "Camunda OAuth")
        credential_name = hv.get("setup_credential_name", "Camunda Connection")
        connection_name = hv.get("setup_connection_name", "Camunda API Connection")
        spoke = self.one(host, sn, "sys_store_app", "scope=" + SCOPE, ["sys_id"], "spoke")
        alias = self.one(host, sn, "sys_alias", "id=" + ALIAS, ["sys_id"], "alias")
        script = self.one(host, sn, "sys_script_include", "api_name=%s.OAuthCamundaUtil" % SCOPE, ["sys_id"], "script include")
        entity = self.one(host, sn, "oauth_entity", "name=" + profile_name,
                          ["sys_id", "type", "client_id", "client_secret", "oauth_api_script", "default_grant_type",
                           "token_url", "refresh_token_lifespan", "active"], "OAuth profile")
        if None in (spoke, alias, script, entity):
            return None
        self.expect(host, entity, "OAuth profile", type="oauth_provider", oauth_api_script=script["sys_id"],
                    default_grant_type="client_credentials", token_url=self.token_url(),
                    refresh_token_lifespan="8640000", active="true")
        if not entity.get("client_secret"):
            self.problem(host, "the OAuth profile holds no client secret")
        profile = self.one(host, sn, "oauth_entity_profile", "name=%s default_profile" % profile_name,
                           ["sys_id", "oauth_entity", "grant_type", "default"], "default profile")
        if profile is None:
            return entity["client_id"]
        self.expect(host, profile, "default profile", oauth_entity=entity["sys_id"], grant_type="client_credentials",
                    default="true")
        credential = self.one(host, sn, "oauth_2_0_credentials", "name=" + credential_name,
                              ["sys_id", "oauth_entity_profile", "active"], "credential")
        if credential is None:
            return entity["client_id"]
        self.expect(host, credential, "credential", oauth_entity_profile=profile["sys_id"], active="true")
        connection = self.one(host, sn, "http_connection", "name=" + connection_name,
                              ["sys_id", "connection_alias", "credential", "active", "url_builder", "protocol", "host",
                               "base_path", "connection_url", "sys_domain", "app_scope"], "connection")
        if connection is not None:
            host_name = "%s.zeebe.camunda.io" % region
            self.expect(host, connection, "connection", connection_alias=alias["sys_id"],
                        credential=credential["sys_id"], active="true", url_builder="true", protocol="https",
                        host=host_name, base_path="/" + cluster_id,
                        connection_url="https://%s/%s" % (host_name, cluster_id), sys_domain="global",
                        app_scope=spoke["sys_id"])
        active = self.rows(sn, "http_connection", "connection_alias=%s^active=true" % alias["sys_id"], ["sys_id"])
        if len(active) != 1:
            self.problem(host, "%d active connections on %s, expected 1" % (len(active), ALIAS))
        return entity["client_id"]


def check(info, inventory):
    """The list of problems (empty: every instance is set up as documented)."""
    return Checker(info, inventory).run()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        info = json.load(handle)
    with open(argv[1], encoding="utf-8") as handle:
        inventory = json.load(handle)
    problems = check(info, inventory)
    for line in problems:
        print(line)
    if problems:
        return 1
    print("records: %d instance(s) connected as documented" % len(inventory["servicenow"]["hosts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
