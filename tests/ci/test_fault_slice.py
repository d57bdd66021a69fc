# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fast slice of the fault matrix (tests/faults/matrix.py --slice fast): a handful of cells of site.yml against
the sandbox, each a transient fault that must be absorbed on the first run, with exactly one of each record, no
orphaned Camunda client and the OAuth profile holding the secret of the client that exists. `make faults` runs the
full matrix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "faults"))

import matrix  # noqa: E402  pylint: disable=import-error,wrong-import-position


def test_steps_are_discovered_from_the_request_log():
    log = [
        {"service": "sn1", "method": "POST", "path": "/api/now/v1/batch", "batch_item": False},
        {"service": "sn1", "method": "GET", "path": "/api/now/table/sys_alias", "batch_item": True},
        {"service": "sn1", "method": "PATCH", "path": "/api/now/table/oauth_entity/" + "a" * 32, "batch_item": False},
        {"service": "sn1", "method": "PATCH", "path": "/api/now/table/oauth_entity/" + "b" * 32, "batch_item": False},
        {"service": "camunda_console", "method": "DELETE",
         "path": "/clusters/6566ce67-7ceb-4c38-9d5f-57de6ead2a8f/clients/Nf~EXeRO.V8j", "batch_item": False},
        {"service": "sn1", "method": "POST", "path": "/api/now/v1/batch", "batch_item": False},
    ]
    steps = matrix.steps_of(log)
    assert [s["label"] for s in steps] == [
        "sn1 POST /api/now/v1/batch", "sn1 PATCH /api/now/table/oauth_entity/{id}",
        "camunda_console DELETE /clusters/{id}/clients/{client}"]
    import re  # pylint: disable=import-outside-toplevel
    assert re.search(steps[1]["path"], "/api/now/table/oauth_entity/" + "c" * 32)
    assert re.search(steps[2]["path"], "/clusters/7636514f-0a1f-4de3-b62a-4f2c18c8957b/clients/abc-DEF.1")
    assert not re.search(steps[1]["path"], "/api/now/table/oauth_entity")


def test_summary_line():
    cells = [dict(outcome="absorbed", nature="transient", duplicates=0, orphans=0),
             dict(outcome="converged", nature="permanent", duplicates=0, orphans=0),
             dict(outcome="stuck", nature="transient", duplicates=1, orphans=2)]
    assert matrix.summary(cells) == ("cells 3, converged 2, absorbed on the first run 1 (transient faults: 1 of 2), "
                                     "duplicates 1, orphans 2, stuck 1")


@pytest.mark.skipif(os.environ.get("FAULTS_FAST_SLICE") == "0", reason="FAULTS_FAST_SLICE=0")
def test_fast_slice(tmp_path):
    out = tmp_path / "cells.json"
    rc = matrix.main(["--slice", "fast", "--json", str(out)])
    cells = json.loads(out.read_text())
    assert len(cells) == len(matrix.FAST_SLICE)
    for cell in cells:
        assert cell["hits"] >= 1, cell
        assert (cell["outcome"], cell["problems"], cell["duplicates"], cell["orphans"]) == ("absorbed", [], 0, 0), cell
    assert rc == 0
