# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared unit-test fixtures: ``fake_http`` (no network: requests' adapter answers from a route table) and
``sleeps`` (a recorder to pass as the transport's sleep)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.tests.unit.helpers.fake_http import FakeHTTP


@pytest.fixture
def fake_http(monkeypatch):
    return FakeHTTP().install(monkeypatch)


class SleepRecorder(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return SleepRecorder()
