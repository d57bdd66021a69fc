# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Error audit: answers of an unexpected shape (an HTML page, a JSON list where an object belongs, garbage) become
one sentence naming the call and the host, never a traceback, raw bytes or a Python repr."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import errors
from ansible_collections.camunda.servicenow.plugins.module_utils.camunda import CamundaClient
from ansible_collections.camunda.servicenow.plugins.module_utils.servicenow import ServiceNowClient
from ansible_collections.camunda.servicenow.plugins.modules import camunda_client_credential as credential
from ansible_collections.camunda.servicenow.plugins.modules import camunda_connector_secret as secrets
from ansible_collections.camunda.servicenow.plugins.modules import servicenow_spoke as spoke

CLUSTER = "6b6b3969-a65c-4bdd-905e-c29102eebded"
HTML = "<html><body>Sign in to continue</body></html>"


def assert_one_sentence(text):
    assert "\n" not in text and "Traceback" not in text
    assert not re.search(r"b'|b\"|\{'|\['|<html", text), text
    assert len(text) > 20


def camunda(**extra):
    options = dict(deployment="saas", access_token="tok-abc-123", console_url="https://console.test")
    options.update(extra)
    return CamundaClient(options, sleep=lambda s: None, clock=lambda: 1000.0)


def user_error(work):
    with pytest.raises(errors.USER_ERRORS) as err:
        work()
    text = errors.fail_json_kwargs(err.value)["msg"]
    assert_one_sentence(text)
    return text


def test_console_html_page_is_one_sentence(fake_http):
    fake_http.add("GET", "/clusters/{0}/secrets".format(CLUSTER), text=HTML, headers={"Content-Type": "text/html"})
    params = dict(cluster_id=CLUSTER, secrets=[dict(name="snUser", value="v-123")], state="present")
    text = user_error(lambda: secrets.ensure_secrets(params, camunda(), False))
    assert text == ("GET /clusters/{0}/secrets on console.test returned HTTP 200 with a body that is not JSON (an "
                    "HTML page); check that the host is the service's address and not a login page or a "
                    "proxy".format(CLUSTER))


@pytest.mark.parametrize("body", [[{"clientId": "x"}], "just text", None])
def test_console_create_answer_that_is_no_object(fake_http, body):
    fake_http.add("GET", "/clusters/{0}".format(CLUSTER),
                  json={"generation": {"name": "Camunda 8.8.0"}, "status": {"ready": "Healthy"}})
    fake_http.add("GET", "/clusters/{0}/clients".format(CLUSTER), json=[])
    fake_http.add("POST", "/clusters/{0}/clients".format(CLUSTER), status=201, json=body)
    params = dict(credential_params(), cluster_id=CLUSTER, name="servicenow")
    text = user_error(lambda: credential.ensure(params, camunda(), False))
    # the answer may hide a committed client: it is looked up and created again once, then the failure is reported
    assert text == ("Creating API client 'servicenow-g1' of cluster {0} returned no JSON object; check "
                    "camunda.console_url console.test (tried twice; the first attempt failed with: the Console API "
                    "on console.test returned no JSON object; check camunda.console_url)".format(CLUSTER))


def credential_params():
    return dict((name, spec.get("default")) for name, spec in credential.argument_spec().items() if name != "camunda")


def test_invalid_console_url_is_a_failure_not_a_traceback():
    params = dict(cluster_id=CLUSTER, secrets=[dict(name="snUser", value="v-123")], state="present")
    text = user_error(lambda: secrets.ensure_secrets(params, camunda(console_url="console.test"), False))
    assert text == "The Camunda Console API address 'console.test' is not a URL; give it as https://host[:port]"


def sn_client():
    return ServiceNowClient({"instance": dict(host="https://sn.example.test", username="u", password="p-123456")},
                            sleep=lambda s: None)


@pytest.mark.parametrize("body", [[1, 2], {"serviced_requests": "nope"}, {"serviced_requests": ["x", None]}])
def test_batch_answer_of_another_shape_reads_each_table_alone(fake_http, body):
    fake_http.add("POST", "/api/now/v1/batch", json=body)
    fake_http.add("GET", "/api/now/table/a", json={"result": [{"sys_id": "1"}]})
    fake_http.add("GET", "/api/now/table/b", json={"result": []})
    rows = sn_client().batch_get([dict(table="a", query="x=1"), dict(table="b", query="x=2")])
    assert rows == [[{"sys_id": "1"}], []]


@pytest.mark.parametrize("started", [["not", "an", "object"], "text", {"links": "none"}, {"links": {"progress": "p"}}])
def test_cicd_answer_of_another_shape(fake_http, started):
    fake_http.add("GET", "/api/now/table/sys_scope", json={"result": []})
    fake_http.add("POST", "/api/sn_cicd/app/batch/install", json={"result": started})

    class Module:
        check_mode = False
        params = dict(state="present", scope="x_camun_camunda", verify_only=False, app_id="aac1", version="1.0.0",
                      load_demo_data=False, wait_timeout=10, poll_interval=1)
    text = user_error(lambda: spoke.run(Module(), sn_client(), sleep=lambda s: None, clock=lambda: 0.0))
    assert text.startswith("Installing x_camun_camunda through the CI/CD API on sn.example.test returned no progress "
                           "link (status ")


def test_cicd_progress_and_results_of_another_shape(fake_http):
    assert spoke.progress_view(["x"])["status"] == ""
    assert spoke.link_id("x", "progress") == ""
    message = spoke.failure_message(dict(scope="s", app_id="a"), "h", spoke.progress_view({"status": "3"}),
                                    {"batch_items": ["junk", {"name": "Spoke", "status_message": "Not entitled"}]})
    assert message == ("Installing s (a) on h failed: Spoke: Not entitled; request the entitlement in the ServiceNow "
                       "Store and try again (a Personal Developer Instance cannot be entitled to Store applications).")
    assert_one_sentence(message)
