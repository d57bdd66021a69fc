# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The generation and pairing rules, case by case, including every row of the interrupted-run table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.camunda.servicenow.plugins.module_utils import pairing

BASE = "servicenow-sn1"


def gens(*numbers, **ids):
    """Generations of BASE; client id "id<N>" unless given as g<N>=..."""
    rows = [{"name": "{0}-g{1}".format(BASE, n), "clientId": ids.get("g{0}".format(n), "id{0}".format(n))}
            for n in numbers]
    return pairing.generations(rows, BASE)


def names(items):
    return [item["name"] for item in items]


# ------------------------------------------------------------------------------------------------ generations

def test_generations_are_recognised_sorted_numerically_and_other_names_ignored():
    rows = [{"name": BASE + "-g10", "clientId": "a"}, {"name": BASE + "-g2", "clientId": "b"},
            {"name": BASE, "clientId": "c"}, {"name": BASE + "-g3x", "clientId": "d"},
            {"name": BASE + "-r20250102030405", "clientId": "e"}, {"name": "servicenow-sn10-g1", "clientId": "f"},
            {"name": "servicenow-sn1.x-g1", "clientId": "g"}, "junk", {"name": BASE + "-g4"}]
    assert pairing.generations(rows, BASE) == [
        {"name": BASE + "-g2", "client_id": "b", "generation": 2},
        {"name": BASE + "-g10", "client_id": "a", "generation": 10}]


def test_generations_of_keycloak_rows_use_the_client_id_as_name():
    assert pairing.generations([{"clientId": BASE + "-g1"}], BASE) == [
        {"name": BASE + "-g1", "client_id": BASE + "-g1", "generation": 1}]


def test_base_names_with_regex_characters_are_literal():
    rows = [{"name": "a.b-g1", "clientId": "x"}, {"name": "aXb-g1", "clientId": "y"}]
    assert names(pairing.generations(rows, "a.b")) == ["a.b-g1"]


@pytest.mark.parametrize("numbers, expected", [((), "-g1"), ((1,), "-g2"), ((1, 3), "-g4"), ((9, 10), "-g11")])
def test_next_generation(numbers, expected):
    assert pairing.next_generation(gens(*numbers), BASE) == BASE + expected


@pytest.mark.parametrize("base, reason", [
    ("servicenow-sn1", None),
    ("a" * 45, None),
    ("a" * 46, "name '{0}' has 46 characters; at most 45 are allowed, so that the generation suffix -g<N> keeps the "
               "client name within Camunda's 50".format("a" * 46)),
    ("", "name '' must be letters, digits, '.', '_' or '-' only"),
    ("has space", "name 'has space' must be letters, digits, '.', '_' or '-' only"),
])
def test_validate_base_name(base, reason):
    assert pairing.validate_base_name(base) == reason


# ------------------------------------------------------------------------------------------------ per instance

def test_trusted_pair_changes_nothing():
    decision = pairing.per_instance(gens(1), "id1", BASE)
    assert decision.as_dict() == dict(use=gens(1)[0], create=None, orphans=[], kept=[], previous=[], write_secret=False,
                                      state="trusted", refusal=None)


def test_first_run_creates_g1_and_servicenow_must_receive_it():
    decision = pairing.per_instance([], "", BASE)
    assert (decision.create, decision.use, decision.write_secret, decision.state) == (BASE + "-g1", None, True,
                                                                                      "created")
    assert decision.orphans == [] and decision.previous == []


def test_rotation_creates_the_next_generation_and_deletes_the_trusted_one_only_later():
    decision = pairing.per_instance(gens(1, 2), "id2", BASE, rotate=True)
    assert decision.create == BASE + "-g3"
    assert names(decision.previous) == [BASE + "-g2"]
    assert names(decision.orphans) == [BASE + "-g1"]  # not held by anybody: deleted before the creation
    assert decision.write_secret is True and decision.state == "rotated"


def test_after_the_rotation_the_same_rules_retire_the_previous_generation():
    decision = pairing.per_instance(gens(2, 3), "id3", BASE)
    assert decision.use["name"] == BASE + "-g3" and names(decision.orphans) == [BASE + "-g2"]
    assert decision.create is None and decision.write_secret is False


def test_orphans_kept_when_deletion_is_off():
    decision = pairing.per_instance(gens(1, 2), "id1", BASE, delete_orphans=False)
    assert decision.orphans == [] and names(decision.kept) == [BASE + "-g2"]


# The interrupted-run table of pairing.py's docstring, row by row: (what is left, held id) -> (use, create, orphans).
@pytest.mark.parametrize("left, held, use, create, orphans", [
    # new gN+1 created, ServiceNow not yet written: gN stays trusted, gN+1 is an orphan
    ((1, 2), "id1", "-g1", None, ["-g2"]),
    # first run: g1 created, ServiceNow not written: g1 is an orphan, g2 is created
    ((1,), "", None, "-g2", ["-g1"]),
    # rotation: ServiceNow holds gN+1, gN not deleted yet
    ((1, 2), "id2", "-g2", None, ["-g1"]),
    # ServiceNow lost its OAuth profile: every generation is an orphan, the next one is created
    ((1, 2), "", None, "-g3", ["-g1", "-g2"]),
    # the held client was deleted in Camunda: nothing trusted, the next generation is created
    ((1,), "id-deleted", None, "-g2", ["-g1"]),
    # ServiceNow holds a client of another name: never deleted (not a generation), a generation is created
    ((), "someone-elses-client", None, "-g1", []),
])
def test_interrupted_run_table(left, held, use, create, orphans):
    decision = pairing.per_instance(gens(*left), held, BASE)
    assert (decision.use or {}).get("name") == (BASE + use if use else None)
    assert decision.create == (BASE + create if create else None)
    assert names(decision.orphans) == [BASE + o for o in orphans]
    assert decision.write_secret is (create is not None)


# ------------------------------------------------------------------------------------------------ shared

SHARED = "servicenow-shared"


def shared_gens(*numbers):
    return pairing.generations([{"name": "{0}-g{1}".format(SHARED, n), "clientId": "s{0}".format(n)}
                                for n in numbers], SHARED)


def test_shared_first_run_the_leader_creates_g1():
    decision = pairing.shared_leader([], [], SHARED)
    assert decision.create == SHARED + "-g1" and decision.write_secret and decision.state == "created"


@pytest.mark.parametrize("gens, rotate, created", [((), False, "-g1"), ((1,), True, "-g2")])
def test_shared_leader_creates_nothing_in_a_run_that_does_not_reach_every_instance(gens, rotate, created):
    # --limit, or an instance of the cluster failed before the client step: it could never receive the secret
    decision = pairing.shared_leader(shared_gens(*gens), ["s1"] if gens else [], SHARED, rotate=rotate,
                                     held_client_id="s1" if gens else "", limited=True)
    assert decision.create is None and decision.orphans == [] and not decision.write_secret
    assert decision.refusal == (
        "the new shared client {0}{1} is not created, because this run does not reach every ServiceNow instance of "
        "the cluster (--limit, or an instance failed before this step) and those left out could never receive its "
        "secret: fix what stopped them and run again without --limit".format(SHARED, created))
    assert pairing.shared_leader(shared_gens(*gens), [], SHARED, rotate=rotate).create == SHARED + created


def test_shared_everybody_holds_the_newest_nothing_changes():
    decision = pairing.shared_leader(shared_gens(1), ["s1", "s1"], SHARED, held_client_id="s1")
    assert decision.use["name"] == SHARED + "-g1" and decision.create is None and not decision.write_secret
    assert decision.orphans == []


def test_shared_nobody_holds_any_generation_they_are_orphans_and_a_new_one_is_created():
    decision = pairing.shared_leader(shared_gens(1, 2), ["", ""], SHARED)
    assert decision.create == SHARED + "-g3" and names(decision.orphans) == [SHARED + "-g1", SHARED + "-g2"]


@pytest.mark.parametrize("limited, supplied", [(True, False), (False, True)])
def test_shared_generations_are_never_orphans_with_limit_or_a_supplied_secret(limited, supplied):
    decision = pairing.shared_leader(shared_gens(1), [""], SHARED, limited=limited, secret_supplied=supplied)
    assert decision.create is None and decision.orphans == [] and decision.use["name"] == SHARED + "-g1"
    # the leader itself holds nothing: with the secret it writes it, without it the run must stop
    assert decision.write_secret is True
    assert decision.refusal == (None if supplied else pairing.SHARED_NEEDS_SECRET)


def test_shared_rotation_creates_the_next_generation_and_keeps_every_old_one_for_later():
    decision = pairing.shared_leader(shared_gens(1), ["s1", "s1"], SHARED, rotate=True, held_client_id="s1")
    assert decision.create == SHARED + "-g2" and names(decision.previous) == [SHARED + "-g1"]
    assert decision.orphans == [] and decision.state == "rotated"


def test_shared_after_a_rotation_older_generations_nobody_holds_are_retired_unless_limited():
    decision = pairing.shared_leader(shared_gens(1, 2), ["s2", "s2"], SHARED, held_client_id="s2")
    assert names(decision.orphans) == [SHARED + "-g1"] and decision.use["name"] == SHARED + "-g2"
    limited = pairing.shared_leader(shared_gens(1, 2), ["s2"], SHARED, held_client_id="s2", limited=True)
    assert limited.orphans == []


def test_shared_an_older_generation_still_held_is_kept():
    decision = pairing.shared_leader(shared_gens(1, 2), ["s2", "s1"], SHARED, held_client_id="s2")
    assert decision.orphans == []


def test_shared_follower_uses_the_newest_and_needs_its_secret():
    assert pairing.shared_follower(shared_gens(1, 2), "s2", SHARED).state == "trusted"
    with_secret = pairing.shared_follower(shared_gens(1, 2), "s1", SHARED, secret_known=True)
    assert with_secret.use["name"] == SHARED + "-g2" and with_secret.write_secret and with_secret.refusal is None
    without = pairing.shared_follower(shared_gens(1, 2), "", SHARED)
    assert without.refusal == pairing.SHARED_NEEDS_SECRET
    assert pairing.shared_follower(shared_gens(1, 2), "s1", SHARED, secret_known=True).create is None


def test_shared_follower_without_any_client_refuses():
    decision = pairing.shared_follower([], "", SHARED)
    assert decision.refusal == ("no shared Camunda client servicenow-shared-g<N> exists on the cluster yet and this "
                                "instance does not create it (the cluster's first instance in the play does)")


def test_decide_dispatches_on_mode_and_leader():
    assert pairing.decide("per_instance", gens(1), "id1", BASE).state == "trusted"
    assert pairing.decide("shared", [], "", SHARED, leader=True).create == SHARED + "-g1"
    assert pairing.decide("shared", [], "", SHARED, leader=False).refusal is not None


# -- what stops an instance before anything is written: inputs and the cluster's agreement ------------------------

def test_inputs_sentence_names_what_is_missing_and_who_disagrees():
    assert pairing.inputs_sentence("sn1", "c1", {"a": "x", "b": True}, {"user": {"sn1": "u", "sn2": "u"}}) is None
    assert pairing.inputs_sentence("sn1", "c1", {"setup_connector_user": "", "setup_connector_password": False,
                                                 "setup_camunda_cluster_id": "c1"}, {},
                                   "or setup_connector_secrets: false") == (
        "Nothing was written for sn1: set setup_connector_password and setup_connector_user (or "
        "setup_connector_secrets: false).")
    sentence = pairing.inputs_sentence("sn2", "c1", {}, {"setup_connector_user": {"sn1": "a", "sn2": "b", "sn3": "a"},
                                                         "setup_camunda_client_name": {"sn1": "n", "sn2": "n"}})
    assert sentence == ("Nothing was written for sn2: give every instance of Camunda cluster c1 the same "
                        "setup_connector_user (in the cluster's group vars; now sn1, sn3 / sn2 differ).")


def test_disagreements_and_missing_inputs():
    assert pairing.disagreements({"v": {"h1": None, "h2": ""}}) == []
    assert pairing.disagreements({"v": {"h1": 1, "h2": "1"}}) == []
    assert pairing.disagreements({"v": {"h2": "b", "h1": "a"}}) == [("v", [("a", ["h1"]), ("b", ["h2"])])]
    assert pairing.missing_inputs({"x": None, "y": " ", "z": "ok", "w": False, "t": True}) == ["w", "x", "y"]
