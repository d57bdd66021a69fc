# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Keycloak admin API of the Camunda Identity realm (Self-Managed): the realm's clients and their secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import host_of, seg
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.records import RecordError, find_exact
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError


class KeycloakAdmin:
    """The Keycloak admin API of the Camunda Identity realm (Self-Managed)."""

    def __init__(self, client):
        self.client = client
        self.realm = client.opt("keycloak_realm")
        base = client.keycloak_base()
        hints = {
            401: "check the Keycloak admin credentials (camunda.keycloak_admin_username/password) or the access_token",
            403: "check that the Keycloak admin user has the manage-clients role in the realm",
            404: "check camunda.keycloak_url (include /auth when Keycloak uses that context path) and that the realm "
                 "exists",
        }
        self.transport = client.transport(base, "Keycloak admin API", hints=hints)

    def _call(self, what, method, path, expected=(200,), **kwargs):
        headers = {"Authorization": "Bearer " + self.client.keycloak_token()}
        try:
            return self.transport.request(method, path, headers=headers, expected=expected, **kwargs)
        except TransportError as err:
            raise CamundaError("{0} in realm {1!r} failed: {2}".format(what, self.realm, err), status=err.status,
                               reason=str(err))

    def _path(self, *parts):
        return "/admin/realms/" + seg(self.realm) + "/clients" + "".join("/" + seg(p) for p in parts)

    def list_clients(self, client_id_prefix=None):
        """The realm's clients (``clientId`` starting with ``client_id_prefix`` when given: Keycloak's search)."""
        params = {"clientId": client_id_prefix, "search": "true"} if client_id_prefix else None
        rows = self._call("Listing the clients", "GET", self._path(), params=params).json() or []
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []

    def find_client(self, client_id):
        """The client whose clientId is exactly ``client_id``, or None (Keycloak's search is a prefix search)."""
        rows = self._call("Looking up client {0!r}".format(client_id), "GET", self._path(),
                          params={"clientId": client_id}).json() or []
        try:
            return find_exact(rows if isinstance(rows, list) else [], {"clientId": client_id}, "Keycloak client",
                              id_fields=("id",))
        except RecordError as err:
            raise err.locate("{0} in realm {1}".format(host_of(self.transport.base_url), self.realm))

    def create_client(self, representation):
        response = self._call("Creating client {0!r}".format(representation.get("clientId")), "POST", self._path(),
                              json=representation, expected=(201, 204))
        location = response.headers.get("Location") or ""
        return location.rstrip("/").rsplit("/", 1)[-1] or None

    def update_client(self, uuid, representation):
        self._call("Updating client {0!r}".format(representation.get("clientId")), "PUT", self._path(uuid),
                   json=representation, expected=(200, 204))

    def delete_client(self, uuid, client_id):
        self._call("Deleting client {0!r}".format(client_id), "DELETE", self._path(uuid), expected=(200, 204, 404))

    def add_protocol_mapper(self, uuid, client_id, mapper):
        self._call("Adding the audience mapper to client {0!r}".format(client_id), "POST",
                   self._path(uuid, "protocol-mappers", "models"), json=mapper, expected=(200, 201, 204))

    def get_secret(self, uuid, client_id):
        data = self._call("Reading the secret of client {0!r}".format(client_id), "GET",
                          self._path(uuid, "client-secret")).json() or {}
        value = data.get("value") if isinstance(data, dict) else None
        if not value:
            raise CamundaError("Keycloak on {0} did not return the secret of client {1!r} in realm {2!r}; check that "
                               "the admin user has the manage-clients role".format(
                                   host_of(self.transport.base_url), client_id, self.realm))
        self.client.add_secret(value)
        return value

    def regenerate_secret(self, uuid, client_id):
        data = self._call("Regenerating the secret of client {0!r}".format(client_id), "POST",
                          self._path(uuid, "client-secret"), expected=(200, 201)).json() or {}
        value = data.get("value") if isinstance(data, dict) else None
        if not value:
            return self.get_secret(uuid, client_id)
        self.client.add_secret(value)
        return value
