# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.camunda.servicenow.plugins.module_utils import progress


def test_describe():
    assert progress.describe('Installing s on h', {'status': '1', 'status_label': 'Running', 'percent_complete': 40}) == \
        'Installing s on h: Running, 40% complete'
    assert progress.describe('Installing s on h', {'status': '0', 'status_label': '', 'percent_complete': None}) == \
        'Installing s on h: 0'
    assert progress.describe('w', {}) == 'w: ?'


def test_reporter_shows_each_new_state_once(monkeypatch):
    shown = []
    monkeypatch.setattr(progress, 'SINK', shown.append)
    reporter = progress.Reporter('Activating plugin P on h')
    for percent in (0, 0, 50, 50, 100):
        reporter.update({'status_label': 'Running', 'percent_complete': percent})
    assert shown == ['Activating plugin P on h: Running, 0% complete', 'Activating plugin P on h: Running, 50% complete',
                     'Activating plugin P on h: Running, 100% complete']


def test_reporter_without_a_sink_shows_nothing_and_does_not_fail(monkeypatch):
    monkeypatch.setattr(progress, 'SINK', None)
    reporter = progress.Reporter('w')
    reporter.update({'status_label': 'Running'})
    assert reporter.last == 'w: Running'
