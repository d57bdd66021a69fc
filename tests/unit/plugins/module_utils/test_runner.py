# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import errors, records, runner
from ansible_collections.camunda.servicenow.plugins.module_utils.errors import CamundaError
from ansible_collections.camunda.servicenow.plugins.module_utils.records import RecordError
from ansible_collections.camunda.servicenow.plugins.module_utils.transport import TransportError


class Exited(Exception):
    pass


class Module:
    """Records what a module would send back; exit_json/fail_json stop the run like Ansible's."""

    def __init__(self):
        self.warnings = []
        self.outcome = None

    def warn(self, text):
        self.warnings.append(text)

    def exit_json(self, **kwargs):
        self.outcome = ("exit", kwargs)
        raise Exited()

    def fail_json(self, **kwargs):
        self.outcome = ("fail", kwargs)
        raise Exited()


def outcome(work, errors=()):
    module = Module()
    with pytest.raises(Exited):
        runner.run_module(module, work, errors)
    return module


def raiser(exc):
    def work():
        raise exc
    return work


def test_result_and_warnings():
    assert outcome(lambda: {"changed": True, "x": 1}).outcome == ("exit", {"changed": True, "x": 1})
    module = outcome(lambda: ({"changed": False}, ["first", "second"]))
    assert module.outcome == ("exit", {"changed": False}) and module.warnings == ["first", "second"]


def test_transport_error_keeps_its_facts():
    err = TransportError("ServiceNow GET /x on h failed with HTTP 500.", status=500, method="GET", url="https://h/x")
    assert outcome(raiser(err)).outcome == ("fail", {"msg": err.message, "status": 500, "method": "GET",
                                                     "url": "https://h/x"})


@pytest.mark.parametrize("exc", [RecordError("Found 2 records."), CamundaError("Cluster c failed."),
                                 errors.ModuleError("The alias is missing.")])
def test_user_errors_are_one_message(exc):
    assert outcome(raiser(exc)).outcome == ("fail", {"msg": str(exc)})


def test_record_errors_name_the_host_the_module_works_on():
    rows = [{"sys_id": "aaa", "name": "n"}, {"sys_id": "bbb", "name": "n"}]
    module = Module()
    with pytest.raises(Exited):
        runner.run_module(module, lambda: records.find_exact(rows, {"name": "n"}, "credential"), where="sn.example.test")
    assert module.outcome == ("fail", {"msg": (
        "Found 2 credential records matching name='n' on sn.example.test (sys_id: aaa, bbb); a natural key must "
        "identify one record, so remove or rename the duplicates, or identify the record by its id")})


def test_module_specific_errors_and_bugs():
    class Mine(Exception):
        pass
    assert outcome(raiser(Mine("mine")), errors=(Mine,)).outcome == ("fail", {"msg": "mine"})
    with pytest.raises(KeyError):
        runner.run_module(Module(), raiser(KeyError("bug")))


def test_missing_requests_is_ansibles_standard_message(monkeypatch):
    monkeypatch.setattr(runner, "HAS_REQUESTS", False)
    monkeypatch.setattr(runner, "REQUESTS_IMPORT_ERROR", "Traceback ... ImportError: No module named requests")
    called = []
    module = outcome(lambda: called.append(1))
    kind, kwargs = module.outcome
    assert kind == "fail" and called == []
    assert kwargs["msg"].startswith("Failed to import the required Python library (requests) on ")
    assert kwargs["exception"] == "Traceback ... ImportError: No module named requests"


def test_fail_json_kwargs():
    assert errors.fail_json_kwargs(ValueError("plain")) == {"msg": "plain"}
    err = TransportError("ServiceNow GET /x on h failed with HTTP 500.", status=500, method="GET", url="https://h/x")
    assert errors.fail_json_kwargs(err) == {"msg": err.message, "status": 500, "method": "GET", "url": "https://h/x"}
    assert issubclass(CamundaError, errors.ModuleError)


def query_outcome(work, query, name="camunda.servicenow.camunda_client_info"):
    module = Module()
    module.params = {"query": query}
    module._name = name
    with pytest.raises(Exited):
        runner.run_module(module, work)
    return module


def test_query_option_adds_query_result_and_keeps_warnings():
    result = {"changed": False, "clients": [{"name": "a-g1", "client_id": "1"}, {"name": "b", "client_id": "2"}]}
    module = query_outcome(lambda: (dict(result), ["careful"]), "clients[?starts_with(name, 'a-')].client_id")
    assert module.outcome == ("exit", dict(result, query_result=["1"]))
    assert module.warnings == ["careful"]
    assert query_outcome(lambda: dict(result), None).outcome == ("exit", result)   # no query: untouched


def test_bad_query_fails_with_one_sentence_naming_the_module():
    module = query_outcome(lambda: {"changed": False, "clients": []}, "clients[", name="camunda_client_info")
    assert module.outcome == ("fail", {"msg": "The query option of camunda.servicenow.camunda_client_info is not a valid "
                                              "JMESPath expression (Invalid jmespath expression: Incomplete expression): "
                                              "clients["})
