# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Derived from SERVICENOW_OPTIONS in plugins/module_utils/servicenow.py; a unit test checks that the two agree.
# Regenerate the YAML below with render_doc_fragment() in tests/unit/plugins/module_utils/test_servicenow.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  instance:
    description:
      - How to reach and authenticate to the ServiceNow instance.
      - The option and sub-option names and the E(SN_*) environment variables are those of the servicenow.itsm collection,
        so the same credentials (and AWX/AAP credential types) work.
      - Set it once for a play with C(module_defaults) and the action group C(group/camunda.servicenow.servicenow).
      - 'Authentication, by precedence: O(instance.access_token), O(instance.api_key), OAuth (O(instance.client_id)),
        Basic (O(instance.username)), then the client certificate alone.'
    type: dict
    suboptions:
      host:
        description:
          - The ServiceNow instance address, for example C(https://dev12345.service-now.com).
          - A bare host name gets C(https://). A path (other than a trailing C(/)), a space or a port outside 1-65535
            is refused before any request.
          - 'C(http://) is refused for any host but a loopback address (C(localhost), C(127.0.0.1), C(::1)) unless
            O(instance.allow_http=true): it would send the password or token in clear.'
          - If not set, the value of the E(SN_HOST) environment variable is used.
        type: str
        required: true
      allow_http:
        description:
          - Allow an C(http://) O(instance.host) that is not a loopback address (a test instance behind a trusted
            network). Credentials then cross the network unencrypted.
        type: bool
        default: false
      username:
        description:
          - User name for Basic authentication, or for the OAuth C(password) grant.
          - If not set, the value of the E(SN_USERNAME) environment variable is used.
        type: str
      password:
        description:
          - Password of O(instance.username).
          - If not set, the value of the E(SN_PASSWORD) environment variable is used.
        type: str
      grant_type:
        description:
          - The OAuth grant used with O(instance.client_id) and O(instance.client_secret) to get a token from C(/oauth_token.do),
            once per module run.
          - 'When not set: C(password) if O(instance.username) is set (as servicenow.itsm does), C(refresh_token)
            if only O(instance.refresh_token) is set, else C(client_credentials).'
          - If not set, the value of the E(SN_GRANT_TYPE) environment variable is used.
        type: str
        choices:
          - password
          - refresh_token
          - client_credentials
      client_id:
        description:
          - Client ID of the instance's OAuth application (Application Registry); enables OAuth.
          - If not set, the value of the E(SN_CLIENT_ID) environment variable is used.
        type: str
      client_secret:
        description:
          - Client secret of O(instance.client_id). C(SN_SECRET_ID) is read too, for servicenow.itsm compatibility.
          - If not set, the value of the first of the environment variables E(SN_CLIENT_SECRET), E(SN_SECRET_ID)
            that is set is used.
        type: str
      refresh_token:
        description:
          - Refresh token for the OAuth C(refresh_token) grant.
          - If not set, the value of the E(SN_REFRESH_TOKEN) environment variable is used.
        type: str
      access_token:
        description:
          - 'An OAuth access token obtained earlier, sent as C(Authorization: Bearer); no token request is made.'
          - Mutually exclusive with O(instance.api_key).
          - If not set, the value of the E(SN_ACCESS_TOKEN) environment variable is used.
        type: str
      api_key:
        description:
          - A REST API key, sent in the C(x-sn-apikey) header. The instance needs a REST API Access Policy that
            covers the Table and Batch APIs.
          - If not set, the value of the E(SN_API_KEY) environment variable is used.
        type: str
      client_certificate_file:
        description:
          - PEM file with the client certificate for mutual TLS (certificate-based authentication).
          - If not set, the value of the E(SN_CLIENT_CERTIFICATE_FILE) environment variable is used.
        type: path
      client_key_file:
        description:
          - PEM file with the private key of O(instance.client_certificate_file), when the certificate file does
            not hold it.
          - If not set, the value of the E(SN_CLIENT_KEY_FILE) environment variable is used.
        type: path
      timeout:
        description:
          - Seconds to wait for an answer (the read timeout; connecting times out after at most 10 s).
          - ServiceNow's own transaction limit is 60 s.
          - A request that times out is tried once more at most; the error says how many attempts were made and
            how long they took in all. Must be more than 0.
          - If not set, the value of the E(SN_TIMEOUT) environment variable is used.
        type: float
        default: 60.0
      validate_certs:
        description:
          - Whether to verify the instance's TLS certificate. Set to V(false) only for a test instance; prefer O(instance.ca_path).
          - If not set, the value of the E(SN_VALIDATE_CERTS) environment variable is used.
        type: bool
        default: true
      ca_path:
        description:
          - PEM file of the CA (or bundle) that signed the instance's certificate.
          - Takes precedence over C(REQUESTS_CA_BUNDLE) and the system store.
          - If not set, the value of the E(SN_CA_PATH) environment variable is used.
        type: path
      proxy:
        description:
          - Proxy URL for all requests to the instance, for example C(http://proxy.example.com:3128).
          - When not set, the C(HTTPS_PROXY) and C(NO_PROXY) environment variables apply.
          - If not set, the value of the E(SN_PROXY) environment variable is used.
        type: str
      custom_headers:
        description:
          - HTTP headers added to every request, the token request included (for API gateways).
        type: dict
      api_path:
        description:
          - Path of the REST API on the instance, for instances behind an API gateway.
          - If not set, the value of the E(SN_API_PATH) environment variable is used.
        type: str
        default: api/now
"""
