# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bad-input table (issue 14): each case is one module task a new user could write, what the collection must
answer (the exact sentence, or success with the exact warning), and the promise that nothing was written.

``CASES`` is built from the sandbox's facts (``facts``: URLs, users, secrets, cluster ids) by :func:`cases`;
``tests/ci/test_bad_input.py`` runs them all in ONE ansible-playbook run against the sandbox and checks each.

A case is a dict:
  id        short name (the pytest id)
  module    camunda.servicenow.<module>
  args      the module arguments
  msg       the exact failure message, formatted with the facts ({sn} = sn1's host:port, {sn2}, {console} ...);
            None when the task must succeed
  warning   (success cases) the exact warning the task must give
  writes    True when the case is expected to write (an injection-safe name stored exactly); default False
  setup     what the case needs on the sandbox (done once by the test's fixture)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

NAME_CHARS = {
    "caret": "Camunda^API",
    "or_injection": "x^ORname=Camunda API Connection",
    "nq_injection": "x^NQname=Camunda API Connection",
    "equals": "Camunda=Connection",
    "quotes": "Camunda \"API\" 'Connection'",
    "unicode": "Camunda Verbindung \u00fc\u00df \u2713",
}

# A case whose exact sentence is for the module's owner to choose (xfail cases): it must fail, in one sentence.
ANY_SENTENCE = "*"
UUID_UNKNOWN = "00000000-0000-4000-8000-000000000000"


def cases(f):
    """The table, for the sandbox described by ``f`` (see test_bad_input.facts)."""
    admin = dict(host=f["sn_url"], username="admin", password=f["admin_password"], ca_path=f["ca"])
    sn2 = dict(admin, host=f["sn2_url"], password=f["sn2_admin_password"])

    def inst(**changes):
        out = dict(admin)
        for key, value in changes.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
        return out

    def conn(**changes):
        args = dict(instance=admin, credential="Camunda Connection", host="bru-2.zeebe.camunda.io",
                    base_path="/" + f["cluster_id"], conflict="fail")
        args.update(changes)
        return args

    org = dict(client_id=f["org_client_id"], client_secret=f["org_client_secret"], oauth_url=f["token_url"],
               console_url=f["console_url"], ca_path=f["ca"], cluster_api_url=f["cluster_rest_url"])

    def cam(**changes):
        out = dict(org)
        out.update(changes)
        return out

    def secret(**changes):
        args = dict(camunda=org, cluster_id=f["cluster_id"], name="snBadInput", value="v-1")
        args.update(changes)
        return args

    def secrets_only(**changes):
        args = dict(camunda=org, cluster_id=f["cluster_id"])
        args.update(changes)
        return args

    rows = []

    def add(case_id, module, args, msg=None, **extra):
        row = dict(id=case_id, module="camunda.servicenow." + module, args=args, msg=msg)
        row.update(extra)
        rows.append(row)

    # ---- ServiceNow connection options (servicenow_connection_alias writes, so "nothing written" means something)
    alias = "servicenow_connection_alias"
    add("sn_host_missing", alias, conn(instance=inst(host=None)), "missing required arguments: host found in instance")
    add("sn_host_path", alias, conn(instance=inst(host=f["sn_url"] + "/now/nav/ui")),
        "The ServiceNow instance address 'https://{sn}/now/nav/ui' has a path (/now/nav/ui; a "
        "gateway's API prefix belongs in instance.api_path); give it as https://host[:port], for "
        "example https://dev12345.service-now.com (nothing was sent).")
    add("sn_host_space", alias, conn(instance=inst(host="dev 12345.service-now.com")),
        "The ServiceNow instance address 'dev 12345.service-now.com' contains a space; give it as "
        "https://host[:port], for example https://dev12345.service-now.com (nothing was sent).")
    add("sn_host_port_range", alias, conn(instance=inst(host="https://127.0.0.1:70000")),
        "The ServiceNow instance address 'https://127.0.0.1:70000' has a port that is not a number "
        "from 1 to 65535; give it as https://host[:port], for example "
        "https://dev12345.service-now.com (nothing was sent).")
    add("sn_host_port_word", alias, conn(instance=inst(host="https://127.0.0.1:https")),
        "The ServiceNow instance address 'https://127.0.0.1:https' has a port that is not a number "
        "from 1 to 65535; give it as https://host[:port], for example "
        "https://dev12345.service-now.com (nothing was sent).")
    add("sn_host_ftp", alias, conn(instance=inst(host="ftp://dev12345.service-now.com")),
        "The ServiceNow instance address 'ftp://dev12345.service-now.com' has the scheme ftp://; "
        "give it as https://host[:port], for example https://dev12345.service-now.com (nothing was "
        "sent).")
    add("sn_http_not_loopback", alias, conn(instance=inst(host="http://dev12345.service-now.com")),
        "The ServiceNow instance address http://dev12345.service-now.com uses http://, which would "
        "send the credentials in clear; use https://, or set instance.allow_http to true for a test "
        "instance on a network you trust (nothing was sent).")
    add("sn_unreachable", alias, conn(instance=inst(host="https://127.0.0.1:9", timeout=5)),
        "ServiceNow POST /api/now/v1/batch on 127.0.0.1:9 could not connect (Connection refused; 5 "
        "attempts in {N} s); check the host, the port and the network (DNS, firewall, proxy).")
    add("sn_unknown_grant", alias, conn(instance=inst(grant_type="jwt_bearer")),
        "value of grant_type must be one of: password, refresh_token, client_credentials, got: "
        "jwt_bearer found in instance")
    add("sn_client_id_without_secret", alias, conn(instance=inst(client_id="abc")),
        "parameters are required together: client_id, client_secret found in instance")
    add("sn_unknown_key", alias, conn(instance=inst(passwd="Typo-S3cret-Value")),
        "The instance option has unknown key 'passwd' (did you mean 'password'?), whose value is "
        "not shown; the keys are access_token, allow_http, api_key, api_path, ca_path, "
        "client_certificate_file, client_id, client_key_file, client_secret, custom_headers, "
        "grant_type, host, password, proxy, refresh_token, timeout, username, validate_certs.", secret_value="Typo-S3cret-Value")
    add("sn_timeout_zero", alias, conn(instance=inst(timeout=0)),
        "instance.timeout is 0; give the seconds to wait for an answer, more than 0 (default 60), "
        "nothing was sent.")
    add("sn_timeout_word", alias, conn(instance=inst(timeout="soon")),
        "argument 'timeout' is of type str found in 'instance'. and we were unable to convert to "
        "float: <class 'str'> cannot be converted to a float")
    add("sn_wrong_password", alias, conn(instance=inst(password="not-the-password")),
        "ServiceNow POST /api/now/v1/batch on {sn} failed with HTTP 401: \"User Not Authenticated\" "
        "and \"Required to provide Auth information\"; check the instance credentials (username and "
        "password, the OAuth client and grant, the access token or the API key).")
    add("sn_wrong_oauth_secret", alias,
        conn(instance=inst(client_id=f["sn_client_id"], client_secret="wrong-secret", grant_type="password")),
        "ServiceNow POST /oauth_token.do on {sn} failed with HTTP 401: \"server_error\" and "
        "\"access_denied\"; check instance.client_id and instance.client_secret (and "
        "username/password for the password grant, the refresh token for the refresh_token grant); "
        "the client_credentials grant also needs the "
        "glide.oauth.inbound.client.credential.grant_type.enabled property and an OAuth Application "
        "User.")
    add("sn_wrong_api_key", alias, conn(instance=inst(username=None, password=None, api_key="wrong-key")),
        "ServiceNow POST /api/now/v1/batch on {sn} failed with HTTP 401: \"User Not Authenticated\" "
        "and \"Required to provide Auth information\"; check the instance credentials (username and "
        "password, the OAuth client and grant, the access token or the API key).")
    add("sn_unknown_ca", alias, conn(instance=inst(ca_path=f["other_ca"])),
        "ServiceNow POST /api/now/v1/batch on {sn} failed the TLS handshake (unable to get local "
        "issuer certificate); check validate_certs and ca_path (the CA that signed the server "
        "certificate), and client_certificate_file/client_key_file if you use them.")
    add("sn_missing_ca_path", alias, conn(instance=inst(ca_path="/nonexistent/ca.pem")),
        "The ServiceNow file /nonexistent/ca.pem given in ca_path does not exist on the host that "
        "runs the module; give the path of a PEM file there (nothing was sent).")
    add("sn_no_ca", alias, conn(instance=inst(ca_path=None)),
        "ServiceNow POST /api/now/v1/batch on {sn} failed the TLS handshake (unable to get local "
        "issuer certificate); check validate_certs and ca_path (the CA that signed the server "
        "certificate), and client_certificate_file/client_key_file if you use them.")
    add("sn_validate_certs_false", "servicenow_spoke_info", dict(instance=inst(ca_path=None, validate_certs=False)),
        None, warning="instance.validate_certs is false: the TLS certificate of {sn} is not checked, so whoever can "
        "intercept the connection can read the credentials; set instance.ca_path to the CA that signed it instead.")
    add("sn_readonly_user", alias,
        conn(instance=inst(username="readonly", password=f["readonly_password"]), name="Bad Input Read Only",
             active=False),
        "ServiceNow POST /api/now/table/http_connection on {sn} failed with HTTP 403: \"Operation Failed\" and \"ACL "
        "Exception Insert Failed due to security constraints\"; check that the user has the roles "
        "this table needs (for "
        "example admin, or the roles of the table's ACLs) and, with an API key, that a REST API Access Policy covers "
        "this API.")
    add("sn_oauth_admin_lacks_connection_admin", alias,
        conn(instance=inst(username=f["oauth_admin_username"], password=f["oauth_admin_password"]), active=False),
        "The connection alias x_camun_camunda.Camunda was not found on {sn} although the "
        "application x_camun_camunda is installed; check that user 'oauth.admin' may read "
        "connection aliases (role connection_admin or credential_admin; writing the connection "
        "needs connection_admin or admin), that the Camunda Spoke is installed completely, and that "
        "the alias option is the alias ID (<scope>.<alias name>).")
    add("sn_cicd_user", alias, conn(instance=inst(username=f["cicd_username"], password=f["cicd_password"]), active=False),
        "The connection alias x_camun_camunda.Camunda was not found on {sn} although the "
        "application x_camun_camunda is installed; check that user 'cicd.user' may read connection "
        "aliases (role connection_admin or credential_admin; writing the connection needs "
        "connection_admin or admin), that the Camunda Spoke is installed completely, and that the "
        "alias option is the alias ID (<scope>.<alias name>).")

    # ---- connection alias: the spoke, the alias, the credential, the connection
    add("spoke_absent", alias, conn(instance=sn2),
        "The application scope x_camun_camunda was not found on {sn2}: install the Camunda Spoke "
        "(camunda.servicenow.servicenow_spoke) or check the scope option.")
    add("alias_absent", alias, conn(alias="x_camun_camunda.Nope"),
        "The connection alias x_camun_camunda.Nope was not found on {sn} although the application "
        "x_camun_camunda is installed; check that user 'admin' may read connection aliases (role "
        "connection_admin or credential_admin; writing the connection needs connection_admin or "
        "admin), that the Camunda Spoke is installed completely, and that the alias option is the "
        "alias ID (<scope>.<alias name>).")
    add("alias_wrong_type", alias, conn(alias="x_camun_camunda.CredentialOnly"),
        "x_camun_camunda.CredentialOnly on {sn} is a credential alias (type credential), not a "
        "connection alias: the connection needs an alias of type 'Connection and Credential'.")
    add("credential_absent", alias, conn(credential="No Such Credential", active=False),
        "The credential No Such Credential was not found in discovery_credentials on {sn}: create "
        "it first (camunda.servicenow.servicenow_credential), check the credential option (a name "
        "or a sys_id), and check that user 'admin' may read credentials (role credential_admin or admin).")
    add("credential_duplicate", alias, conn(credential="Duplicate Credential", active=False),
        "Found 2 credential records matching name='Duplicate Credential' on {sn} (sys_id: {ID}, "
        "{ID}); a natural key must identify one record, so remove or rename the duplicates, or "
        "identify the record by its id")
    add("second_active_connection", alias, conn(name="Camunda API Connection 2", credential="Camunda Connection"),
        "The alias x_camun_camunda.Camunda on {sn} allows only one active connection and already "
        "has 'Other Integration' ({ID}); adding 'Camunda API Connection 2' would make a second one: "
        "set conflict to 'adopt' to update the existing connection in place, to 'deactivate' to "
        "deactivate it, or deactivate or delete it in ServiceNow.")
    add("adopt_foreign_connection", alias, conn(conflict="adopt"),
        "The alias x_camun_camunda.Camunda on {sn} allows only one active connection and already "
        "has 'Other Integration' ({ID}), which uses another credential ({ID}) and another cluster "
        "(https://jfk-1.zeebe.camunda.io/other); adopting it would repoint it at credential {ID} "
        "and https://bru-2.zeebe.camunda.io/{cluster_id}, so nothing was written: set conflict to "
        "'deactivate' to deactivate it and create 'Camunda API Connection', or deactivate or delete "
        "it in ServiceNow.")
    add("conn_host_scheme", alias, conn(host="https://bru-2.zeebe.camunda.io/"),
        "The connection host 'https://bru-2.zeebe.camunda.io/' has a scheme: give the scheme in "
        "protocol and only the host name in host (for example 'bru-2.zeebe.camunda.io'); nothing "
        "was written.")
    add("conn_host_trailing_slash", alias, conn(host="bru-2.zeebe.camunda.io/"),
        "The connection host 'bru-2.zeebe.camunda.io/' has a path or a trailing '/': give only the "
        "host name in host and the path in base_path; nothing was written.")
    add("conn_port_70000", alias, conn(port=70000),
        "The connection port 70000 is out of range: give a port from 1 to 65535, or leave port out "
        "for the protocol's default; nothing was written.")
    add("conn_name_blank", alias, conn(name="   "),
        "The connection name is empty; give the connection's name in name (default 'Camunda API "
        "Connection'), nothing was written.")
    add("conn_name_padded", alias, conn(name=" Camunda API Connection "),
        "The connection name ' Camunda API Connection ' has leading or trailing spaces, which would "
        "make a near-duplicate of 'Camunda API Connection'; remove them, nothing was written.")
    add("conn_name_not_a_string", alias, conn(name=["Camunda", "API"]),
        "The name option is ['Camunda', 'API'], which looks like a list or a dictionary that "
        "Ansible turned into text; give a single string, nothing was written.")
    add("conn_port_not_a_number", alias, conn(port="https"),
        "argument 'port' is of type str and we were unable to convert to int: \"'https'\" cannot be "
        "converted to an int")
    for key, name in sorted(NAME_CHARS.items()):
        # Inactive: an inactive connection never conflicts with the alias's active one. Stored exactly, and found
        # again by its exact name (the test runs the task twice: the second run must not change anything).
        add("conn_name_" + key, alias, conn(name=name, active=False), None, writes=True, twice=True)

    # ---- ServiceNow OAuth profile and credential (the Application Registry side)
    add("profile_name_blank", "servicenow_oauth_profile",
        dict(instance=admin, name="  ", client_id="cid", client_secret="csecret"),
        "The Application Registry record name is empty; give the record's name in name (default 'Camunda OAuth'), "
        "nothing was written.")
    add("profile_name_padded", "servicenow_oauth_profile",
        dict(instance=admin, name=" Camunda OAuth", client_id="cid", client_secret="csecret"),
        "The Application Registry record name ' Camunda OAuth' has leading or trailing spaces, which would make a "
        "near-duplicate of 'Camunda OAuth'; remove them, nothing was written.")
    add("credential_name_blank", "servicenow_credential",
        dict(instance=admin, name="", oauth_entity_profile="Camunda OAuth default_profile"),
        "The OAuth 2.0 credential name is empty; give the record's name in name (default 'Camunda Connection'), "
        "nothing was written.")
    add("profile_duplicate", "servicenow_oauth_profile",
        dict(instance=admin, name="Duplicate Registry", client_id="cid", client_secret="csecret"),
        "Found 2 Application Registry (oauth_entity) records matching name='Duplicate Registry' on "
        "{sn} (sys_id: {ID}, {ID}); a natural key must identify one record, so remove or rename the "
        "duplicates, or identify the record by its id")
    add("credential_profile_absent", "servicenow_credential",
        dict(instance=admin, name="Bad Input Credential", oauth_entity_profile="No Such Profile"),
        "The OAuth entity profile 'No Such Profile' was not found on {sn}; create it first with "
        "camunda.servicenow.servicenow_oauth_profile (it creates '<name> default_profile'), check "
        "oauth_entity_profile, and check that user 'admin' may read OAuth entity profiles (role oauth_admin "
        "or admin).")

    # ---- spoke
    add("spoke_install_without_cicd_role", "servicenow_spoke",
        dict(instance=dict(sn2, username=f["oauth_admin_username"], password=f["sn2_oauth_admin_password"]),
             wait_timeout=30, poll_interval=1, version="1.2.0"),
        "Installing x_camun_camunda through the CI/CD API on {sn2} was refused (HTTP 403: User Not Authorized): the "
        "user needs the role sn_cicd.sys_ci_automation (or admin) and the CI/CD REST API plugin "
        "com.glide.continuousdelivery must be active.")

    # ---- least privilege (SECURITY.md): exactly the documented roles succeed; cases above show less failing clearly
    setup = inst(username=f["setup_username"], password=f["setup_password"])
    add("least_privilege_profile", "servicenow_oauth_profile",
        dict(instance=setup, name="Least Privilege OAuth", client_id="lp-client", client_secret="lp-client-secret",
             token_url=f["token_url"]), None, writes=True)
    add("least_privilege_credential", "servicenow_credential",
        dict(instance=setup, name="Least Privilege Credential",
             oauth_entity_profile="Least Privilege OAuth default_profile"), None, writes=True)
    add("least_privilege_connection", alias, conn(instance=setup, name="Least Privilege Connection",
                                                  credential="Least Privilege Credential", active=False),
        None, writes=True)

    # ---- Camunda connection options and connector secrets
    csec = "camunda_connector_secret"
    add("cam_cluster_id_shape", csec, secret(cluster_id="my-cluster"),
        "cluster_id 'my-cluster' is not a Camunda SaaS cluster id; give the cluster's id as Console "
        "shows it, a UUID like 6b6b3969-a65c-4bdd-905e-c29102eebded (nothing was sent)")
    add("cam_cluster_unknown", csec, secret(cluster_id=UUID_UNKNOWN),
        "Reading the connector secrets of cluster 00000000-0000-4000-8000-000000000000 failed: "
        "Camunda Console API GET /clusters/00000000-0000-4000-8000-000000000000/secrets on "
        "{console} failed with HTTP 404: \"Cluster not found\"; check cluster_id and that the cluster "
        "belongs to the organization of camunda.client_id.")
    add("cam_wrong_secret", csec, secret(camunda=cam(client_secret="wrong-org-secret")),
        "Fetching the Console API token for client '{org_client_id}' failed: Camunda token service "
        "POST /oauth/token on {login} failed with HTTP 401: \"access_denied\" and \"Unauthorized\"; "
        "check client_id '{org_client_id}' and its client_secret, they were not accepted; a "
        "rejected token request is never repeated, because the token service locks out addresses "
        "that repeat failed requests.")
    add("cam_limited_client", csec, secret(camunda=cam(client_id=f["limited_client_id"],
                                                       client_secret=f["limited_client_secret"])),
        "Reading the connector secrets of cluster {cluster_id} failed: Camunda Console API GET "
        "/clusters/{cluster_id}/secrets on {console} failed with HTTP 403: \"Forbidden: this "
        "Administration API client lacks the \"Connector Secrets\" scope (ConnectorSecrets) needed "
        "for GET /clusters/{cluster_id}/secrets\"; check that the organization API client has the "
        "needed scopes (Zeebe Client for API clients, Connector Secrets for secrets) and that the "
        "cluster belongs to its organization.")
    add("cam_console_unreachable", csec, secret(camunda=cam(console_url="https://127.0.0.1:9", timeout=5)),
        "Reading the connector secrets of cluster {cluster_id} failed: Camunda Console API GET "
        "/clusters/{cluster_id}/secrets on 127.0.0.1:9 could not connect (Connection refused; 5 "
        "attempts in {N} s); check the host, the port and the network (DNS, firewall, proxy).")
    add("cam_unknown_deployment", csec, secret(camunda=cam(deployment="cloud")),
        "value of deployment must be one of: saas, self_managed, got: cloud found in camunda")
    add("cam_unknown_ca", csec, secret(camunda=cam(ca_path=f["other_ca"])),
        "Fetching the Console API token for client '{org_client_id}' failed: Camunda token service "
        "POST /oauth/token on {login} failed the TLS handshake (unable to get local issuer "
        "certificate); check validate_certs and ca_path (the CA that signed the server "
        "certificate), and client_certificate_file/client_key_file if you use them.")
    add("secret_name_50", csec, secret(name="s" * 50),
        "Invalid connector secrets, nothing was sent: connector secret name "
        "'ssssssssssssssssssssssssssssssssssssssssssssssssss' has 50 characters; the Console API "
        "accepts fewer than 50")
    add("secret_name_dot", csec, secret(name="sn.user"),
        "Invalid connector secrets, nothing was sent: connector secret name 'sn.user' may only "
        "contain letters, digits, '_' and '-'")
    add("secret_value_empty", csec, secret(value=""),
        "Invalid connector secrets, nothing was sent: connector secret 'snBadInput' has an empty "
        "value (the connectors would read an empty credential)")
    add("secret_twice", csec, secrets_only(secrets=[dict(name="a", value="1"), dict(name="a", value="2")]),
        "Invalid connector secrets, nothing was sent: connector secret 'a' is given twice")
    add("secret_value_exact", csec, secret(name="snExact", value="q\"uo'te\nline \u00fc\u2713"), None, writes=True, twice=True)
    add("region_shape", "camunda_cluster_info",
        dict(camunda=cam(cluster_api_url=None), cluster_id=f["cluster_id"], region="bru-2.zeebe.camunda.io"),
        "region 'bru-2.zeebe.camunda.io' is not a Camunda SaaS region id; give the id only, like "
        "bru-2 or lhr-1 (the part before .zeebe.camunda.io), nothing was sent")
    add("client_unknown_permission", "camunda_client_credential",
        dict(camunda=org, cluster_id=f["cluster_id"], name="servicenow-bad-input", permissions=["Zeebee"]),
        "Creating API client 'servicenow-bad-input-g1' of cluster {cluster_id} failed: Camunda Console "
        "API POST /clusters/{cluster_id}/clients on {console} failed with HTTP 400: \"permissions "
        "must be a list of: Zeebe, Operate, Tasklist, Optimize, Secrets (got Zeebee)\"; check the "
        "values sent to Camunda Console API.")
    add("client_name_non_ascii", "camunda_client_credential",
        dict(camunda=org, cluster_id=f["cluster_id"], name="servicenow-\u00fc", permissions=["Zeebe"]),
        "Invalid client name: name 'servicenow-\u00fc' must be letters, digits, '.', '_' or '-' only.")
    return rows
