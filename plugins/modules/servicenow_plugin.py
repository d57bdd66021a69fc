#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: servicenow_plugin
short_description: Ensure a ServiceNow plugin is active, or say how to get it when only ServiceNow may activate it
version_added: 0.1.0
description:
  - Finds a plugin by its exact O(name) (table C(v_plugin), falling back to C(sys_plugins) when ACLs hide the view)
    and never by a guessed id; when no plugin has that name, the failure lists the plugins whose names contain it.
  - An inactive plugin is activated through the CI/CD API (C(POST /api/sn_cicd/plugin/{id}/activate)); the module
    then polls the progress until it is finished and returns every progress it saw in RV(progress). A refusal (no
    CI/CD role, the CI/CD functionality inactive, a failed or canceled activation) fails with one sentence.
  - ServiceNow activates Integration Hub plugins (ids C(com.glide.hub.*)) only on request, by its own staff. For them
    the module never calls the activation; when such a plugin is inactive it fails (or, with O(report_only=true),
    reports) naming the plugin and the request to file.
author:
  - camunda.servicenow maintainers (@camunda)
extends_documentation_fragment:
  - camunda.servicenow.servicenow
  - camunda.servicenow.attributes
attributes:
  check_mode:
    support: full
    details: The plugin is looked up; nothing is activated.
  diff_mode:
    support: full
    details: The plugin's active state before and after.
options:
  name:
    description:
      - The plugin's name exactly as ServiceNow shows it (for example V(IntegrationHub Action Step - REST)).
    type: str
    required: true
  report_only:
    description:
      - Never activate and never fail because the plugin is inactive; report RV(status) and RV(fix) instead (for a
        preflight or a diagnosis).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the activation to finish.
    type: int
    default: 900
  poll_interval:
    description: Seconds between two progress requests.
    type: int
    default: 5
notes:
  - Activating needs the role C(sn_cicd.sys_ci_automation) (or C(admin)) and the CI/CD REST API plugin
    C(com.glide.continuousdelivery); reading C(v_plugin) may need C(admin).
  - Since Tokyo, activations that need the instance-wide lock are queued; a queued activation counts against
    O(wait_timeout).
seealso:
  - module: camunda.servicenow.servicenow_spoke
  - name: ServiceNow CI/CD API
    description: The plugin activation and progress endpoints.
    link: https://www.servicenow.com/docs/bundle/yokohama-api-reference/page/integrate/inbound-rest/concept/cicd-api.html
"""

EXAMPLES = r"""
- name: Activate a plugin the CI/CD API may activate
  camunda.servicenow.servicenow_plugin:
    instance:
      host: https://example.service-now.com
      username: cicd.user
      password: "{{ servicenow_cicd_password }}"
    name: API Key and HMAC Authentication

- name: Preflight - is the REST step there, and if not, what to request
  camunda.servicenow.servicenow_plugin:
    name: IntegrationHub Action Step - REST
    report_only: true
  register: rest_step

- name: Say it
  ansible.builtin.debug:
    msg: "{{ rest_step.fix }}"
  when: rest_step.status != 'active'
"""

RETURN = r"""
plugin:
  description: The plugin found (C(id), C(name), C(active), C(version), and the table it was read from).
  returned: always
  type: dict
  sample: {"id": "com.glide.tokenbased_auth", "name": "API Key and HMAC Authentication", "active": true,
           "version": "1.0.0", "source_table": "v_plugin"}
status:
  description:
    - V(active); V(activated) (this run, or would be in check mode); V(inactive) (with O(report_only), activatable
      through the CI/CD API); V(request_required) (inactive, only ServiceNow may activate it).
  returned: always
  type: str
  sample: active
fix:
  description: What to do when RV(status) is V(inactive) or V(request_required), one sentence; empty otherwise.
  returned: always
  type: str
diff:
  description: The plugin's active state before and after.
  returned: always
  type: dict
  sample: {"before": {"active": false}, "after": {"active": true}}
progress:
  description: Every progress the CI/CD API reported during the activation (status, status_label, percent_complete...).
  returned: when the plugin was activated
  type: list
  elements: dict
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.camunda.servicenow.plugins.module_utils import plugins as pl
from ansible_collections.camunda.servicenow.plugins.module_utils.runner import run_module
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import (
    ServiceNowClient,
    instance_host,
    servicenow_argument_spec,
)


def argument_spec():
    spec = servicenow_argument_spec()
    spec.update(
        name=dict(type="str", required=True),
        report_only=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=900),
        poll_interval=dict(type="int", default=5),
    )
    return spec


def find_plugin(client, name, host):
    return pl.find_plugin(client, name, host)


def run(module, client, sleep=time.sleep, clock=time.time):
    params = module.params
    host = client.host
    result = pl.ensure_state(find_plugin(client, params["name"], host), host, params["report_only"])
    if not result["changed"] or module.check_mode:
        return result
    return pl.carry_out(client, result, host, params["wait_timeout"], params["poll_interval"], sleep, clock)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_module(module, lambda: run(module, ServiceNowClient(module)), where=instance_host(module))


if __name__ == "__main__":
    main()
