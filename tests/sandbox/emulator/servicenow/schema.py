"""The emulated dictionary: tables, their parents, columns, types and defaults (servicenow-api.md §2).

A column is written ``"type"``, ``"type=default"`` or ``"reference:target=default"``. Child tables inherit
their parent's columns (table extension), and a child's ``defaults`` override the parent's (the way
``oauth_2_0_credentials`` fixes ``type=oauth_2_0`` on ``discovery_credentials``).
"""

# Columns every table has. sys_class_name is the concrete table a row lives in (shown when a parent is queried).
SYS_COLUMNS = {
    "sys_id": "GUID", "sys_class_name": "sys_class_name", "sys_created_on": "glide_date_time",
    "sys_created_by": "string", "sys_updated_on": "glide_date_time", "sys_updated_by": "string",
    "sys_mod_count": "integer=0",
}

# sys_metadata: the application-file base (§2.1 "the table extends sys_metadata").
METADATA = {
    "sys_scope": "reference:sys_scope=global", "sys_package": "reference:sys_package=global",
    "sys_name": "string", "sys_update_name": "string", "sys_policy": "string",
}

TABLES = {
    "sys_metadata": {"parent": None, "display": "sys_name", "columns": METADATA, "abstract": True},
    # §2.7: sys_package -> sys_scope -> sys_store_app / sys_app
    "sys_package": {"parent": None, "display": "name", "columns": {
        "active": "boolean=true", "name": "string", "source": "string", "version": "string",
        "licensable": "boolean=false", "trackable": "boolean=false"}},
    "sys_scope": {"parent": "sys_package", "display": "name", "columns": {
        "scope": "string", "vendor": "string", "vendor_prefix": "string", "private": "boolean=false",
        "short_description": "string", "js_level": "choice=es_latest", "logo": "string"}},
    "sys_store_app": {"parent": "sys_scope", "display": "name", "columns": {
        "latest_version": "string", "update_available": "boolean=false", "install_date": "glide_date_time",
        "dependencies": "string"}},
    "sys_app": {"parent": "sys_scope", "display": "name", "columns": {}},
    # §2.7 / SNBATCH: glide.buildname
    "sys_properties": {"parent": "sys_metadata", "display": "name", "columns": {
        "name": "string", "value": "string", "type": "choice=string", "description": "string",
        "is_private": "boolean=false", "suffix": "string", "choices": "string", "ignore_cache": "boolean=false",
        "read_roles": "string", "write_roles": "string"}},
    # §2.8: v_plugin.active is the string "active"/"inactive"; sys_plugins keyed by `source`
    "v_plugin": {"parent": None, "display": "name", "columns": {
        "id": "string", "name": "string", "version": "string", "available_version": "string", "scope": "string",
        "state": "string", "active": "string=inactive", "entitled": "string", "licensable": "string",
        "requires": "string", "type": "string", "provider": "string"}},
    "sys_plugins": {"parent": None, "display": "name", "columns": {
        "source": "string", "name": "string", "version": "string", "active": "choice=0", "description": "string",
        "licensable": "boolean=false"}},
    "sys_user": {"parent": None, "display": "name", "columns": {
        "user_name": "string", "first_name": "string", "last_name": "string", "name": "string", "email": "string",
        "active": "boolean=true", "locked_out": "boolean=false", "web_service_access_only": "boolean=false",
        "internal_integration_user": "boolean=false"}},
    "sys_user_role": {"parent": None, "display": "name", "columns": {
        "name": "string", "description": "string", "suffix": "string", "elevated_privilege": "boolean=false"}},
    "sys_user_has_role": {"parent": None, "display": "role", "columns": {
        "user": "reference:sys_user", "role": "reference:sys_user_role", "state": "choice=active",
        "inherited": "boolean=false", "granted_by": "reference:sys_user_group"}},
    # §2.1
    "oauth_entity": {"parent": "sys_metadata", "display": "name", "columns": {
        "name": "string", "client_id": "string", "client_secret": "password2",
        "oauth_api_script": "reference:sys_script_include", "default_grant_type": "choice=password",
        "token_url": "url", "auth_url": "url", "refresh_token_url": "url", "revoke_token_url": "url",
        "redirect_url": "url", "logo_url": "url", "refresh_token_lifespan": "integer=8640000",
        "access_token_lifespan": "integer=1800", "auth_code_lifespan": "integer=60",
        "id_token_lifespan": "integer=86400", "message_signature_lifespan": "integer=60",
        "send_client_credentials_as": "choice=request_body_parameter", "type": "string=client",
        "access": "string=public", "active": "boolean=true", "public_client": "boolean=false",
        "use_mutual_auth": "boolean=false", "skip_authorize": "boolean=false", "mobile_client": "boolean=false",
        "restricted_binding": "boolean=false", "code_challenge_method": "choice", "protocol_name": "reference:sys_protocol_profile",
        "user": "reference:sys_user", "client_uuid": "string", "comments": "string",
        "inbound_grant_type": "choice=not_applicable", "token_format": "choice=opaque", "use_pkce": "boolean=false"}},
    # §2.2
    "oauth_entity_profile": {"parent": "sys_metadata", "display": "name", "columns": {
        "name": "string", "oauth_entity": "reference:oauth_entity", "grant_type": "choice=password",
        "default": "boolean=false", "jwt_provider": "reference:jwt_provider",
        "saml2_assertion_producer": "reference:saml2_assertion_producer"}},
    # §2.3: oauth_2_0_credentials is a child of discovery_credentials; type oauth_2_0, order 100
    "discovery_credentials": {"parent": None, "display": "name", "columns": {
        "name": "string", "active": "boolean=true", "type": "string", "order": "integer=100",
        "applies_to": "choice=all", "tag": "glide_list", "application": "reference:sys_scope=global",
        "user_name": "string", "password": "password2", "mid_list": "glide_list"}},
    "oauth_2_0_credentials": {"parent": "discovery_credentials", "display": "name", "defaults": {"type": "oauth_2_0"},
                              "columns": {"oauth_entity_profile": "reference:oauth_entity_profile",
                                          "integration_type": "choice=system"}},
    # §2.4
    "sys_alias": {"parent": "sys_metadata", "display": "id", "columns": {
        "name": "string", "id": "string", "type": "choice=connection", "connection_type": "choice=http_connection",
        "multiple_connections": "boolean=false", "parent": "reference:sys_alias", "retry_policy": "reference:sys_retry_policy",
        "configuration_template": "reference:sys_alias_templates", "is_internal": "boolean=false"}},
    # §2.5: sys_connection is the base of http_connection
    "sys_connection": {"parent": None, "display": "name", "columns": {
        "name": "string", "active": "boolean=true", "connection_alias": "reference:sys_alias",
        "credential": "reference:discovery_credentials", "connection_url": "url", "order": "integer=100",
        "sys_domain": "domain_id=global", "app_scope": "reference:sys_scope=global", "use_mid": "boolean=false",
        "mid_selection": "choice=auto_select", "mid_server": "reference:ecc_agent", "mid_cluster": "reference:ecc_agent_cluster",
        "application": "string", "capabilities": "glide_list", "connection_timeout": "integer",
        "connection_retries": "integer", "is_internal": "boolean=false", "extended_attributes": "string"}},
    "http_connection": {"parent": "sys_connection", "display": "name", "columns": {
        "url_builder": "boolean=false", "host": "string", "protocol": "choice=https", "port": "integer",
        "base_path": "string", "mutual_auth": "boolean=false", "protocol_profile": "reference:sys_protocol_profile",
        "mid_protocol_profile": "reference:sys_protocol_profile"}},
    # §2.6
    "sys_script_include": {"parent": "sys_metadata", "display": "name", "columns": {
        "name": "string", "api_name": "string", "active": "boolean=true", "client_callable": "boolean=false",
        "access": "choice=package_private", "script": "script", "description": "string"}},
}

# Choice labels used for sysparm_display_value (values from §2.1, §2.4, §2.5; labels from the forms they describe).
CHOICE_LABELS = {
    ("oauth_entity", "default_grant_type"): {
        "authorization_code": "Authorization Code", "password": "Resource Owner Password Credentials",
        "client_credentials": "Client Credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer": "JWT Bearer",
        "urn:ietf:params:oauth:grant-type:saml2-bearer": "SAML2 Bearer"},
    ("sys_alias", "type"): {"connection": "Connection and Credential", "credential": "Credential"},
    ("sys_alias", "connection_type"): {"http_connection": "HTTP", "jdbc_connection": "JDBC", "basic_connection": "Basic"},
    ("oauth_2_0_credentials", "integration_type"): {"system": "System", "personal": "Personal"},
}
CHOICE_LABELS[("oauth_entity_profile", "grant_type")] = CHOICE_LABELS[("oauth_entity", "default_grant_type")]


def _parse(spec):
    kind, dummy, default = spec.partition("=")
    kind, dummy, target = kind.partition(":")
    return {"type": kind, "reference": target or None, "default": default}


class Column:
    __slots__ = ("name", "type", "reference", "default")

    def __init__(self, name, spec):
        parsed = _parse(spec)
        self.name = name
        self.type = parsed["type"]
        self.reference = parsed["reference"] or ("sys_user_group" if self.type == "domain_id" else None)
        self.default = parsed["default"]


class Schema:
    """Resolved tables: ``columns(table)`` includes inherited ones; ``family(table)`` is the table and its children."""

    def __init__(self, tables=None):
        self.tables = tables or TABLES
        self._columns = {}
        for name in self.tables:
            self._columns[name] = self._resolve(name)

    def _resolve(self, name):
        chain = []
        table = name
        while table:
            chain.append(table)
            table = self.tables[table]["parent"]
        columns = {key: Column(key, spec) for key, spec in SYS_COLUMNS.items()}
        for table in reversed(chain):
            for key, spec in self.tables[table]["columns"].items():
                columns[key] = Column(key, spec)
            for key, default in self.tables[table].get("defaults", {}).items():
                columns[key].default = default
        return columns

    def exists(self, table):
        return table in self.tables and not self.tables[table].get("abstract")

    def columns(self, table):
        return self._columns[table]

    def display_field(self, table):
        return self.tables[table]["display"]

    def family(self, table):
        """The table and every table that extends it, parents first."""
        out = [table]
        for name, spec in self.tables.items():
            if spec["parent"] == table:
                out.extend(self.family(name))
        return out

    def is_a(self, table, ancestor):
        while table:
            if table == ancestor:
                return True
            table = self.tables[table]["parent"]
        return False
