# -*- coding: utf-8 -*-
# Copyright: contributors to camunda.servicenow
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which Camunda client a ServiceNow instance uses: the generation and pairing rules, as plain functions.

Camunda shows a client's secret once, and ServiceNow cannot show it back, so the only proof that a ServiceNow
instance and a Camunda client belong together is the client id ServiceNow's OAuth profile holds. Clients are named
``<base>-g<N>`` (generations g1, g2, ...); names are unique per cluster and a client cannot be renamed, so a new
secret is a new generation.

* per_instance (default): each ServiceNow instance owns the generations of its base name.
  - ServiceNow holds one of them: the pair is **trusted**, nothing changes.
  - Any other generation is an **orphan** of an interrupted run: nobody uses it, it is deleted (or kept and
    reported with ``delete_orphans=False``).
  - No trusted generation: generation ``max+1`` is **created** and ServiceNow must receive its secret.
  - Rotation: generation ``max+1`` is created; the trusted one becomes the **previous** generation, deleted only
    after ServiceNow holds the new one (the same rules run again then, and it is an orphan).
* shared: one client (the newest generation) for every instance of a cluster, created by one instance, the
  cluster's **leader**; the others (followers) never create or delete.
  - Generations no instance of the cluster holds are orphans only when the play covers every instance (no
    ``--limit``) and no secret was supplied (a supplied secret says the newest generation is in use).
  - All generations orphaned, none at all, or a rotation: the leader creates ``max+1``, but only in a run that
    reaches every instance of the cluster (not ``limited``): an instance left out could never receive its secret.
  - An instance that does not hold the client it is to use must receive its secret: created in this run or
    supplied; otherwise the run stops before anything is written, saying so.

The interrupted-run table (a run killed at any point converges on the next one with no orphan and no broken pair):

==============================================  ============================================================
state left behind                               next run (per_instance)
==============================================  ============================================================
new gN+1 created, ServiceNow not yet written     ServiceNow holds gN: trusted; gN+1 is an orphan, deleted
first run: g1 created, ServiceNow not written    nothing held: g1 is an orphan, deleted; g2 created, written
rotation: ServiceNow holds gN+1, gN not deleted  gN+1 trusted; gN is an orphan, deleted
ServiceNow lost its OAuth profile                nothing held: every generation an orphan; next one created
held client deleted in Camunda                   nothing trusted: next generation created and written
ServiceNow holds a client of another name        not a generation: never deleted; next generation created
==============================================  ============================================================
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

PER_INSTANCE = "per_instance"
SHARED = "shared"
MAX_BASE_NAME = 45  # "-g<N>" must keep a client name within Camunda's 50 characters


def generation_pattern(base):
    return re.compile(r"^" + re.escape(base) + r"-g([0-9]+)$")


def generation_name(base, number):
    return "{0}-g{1}".format(base, number)


def generations(clients, base):
    """The generations of ``base`` among ``clients`` (Console rows with ``name``/``clientId``, Keycloak rows with
    ``clientId``, or already normalised ``{name, client_id}``), oldest first: ``[{name, client_id, generation}]``."""
    pattern = generation_pattern(base)
    out = []
    for row in clients or []:
        if not isinstance(row, dict):
            continue
        client_id = row.get("client_id") or row.get("clientId")
        name = row.get("name") if row.get("name") is not None else client_id
        match = pattern.match(name or "")
        if match and client_id:
            out.append({"name": name, "client_id": client_id, "generation": int(match.group(1))})
    return sorted(out, key=lambda gen: gen["generation"])


def next_generation(gens, base):
    """The name of the generation after the newest of ``gens`` (``<base>-g1`` when there is none)."""
    return generation_name(base, max([gen["generation"] for gen in gens] or [0]) + 1)


class Decision:
    """What to do about an instance's client. ``use`` is the existing generation to use (None when one is
    created: ``create`` is then its name); ``orphans`` are deleted before anything is created (``kept`` instead
    when orphans are not deleted); ``previous`` is deleted after ServiceNow holds the new client (rotation);
    ``write_secret`` says ServiceNow must receive the secret of the client used; ``state`` is one of trusted,
    created, rotated, supplied (the secret of an existing client was supplied); ``refusal`` is the sentence to
    stop with before anything is written (then nothing else applies)."""

    def __init__(self, use=None, create=None, orphans=(), kept=(), previous=(), write_secret=False, state="trusted",
                 refusal=None):
        self.use = use
        self.create = create
        self.orphans = list(orphans)
        self.kept = list(kept)
        self.previous = list(previous)
        self.write_secret = write_secret
        self.state = state
        self.refusal = refusal

    def as_dict(self):
        return dict(use=self.use, create=self.create, orphans=self.orphans, kept=self.kept, previous=self.previous,
                    write_secret=self.write_secret, state=self.state, refusal=self.refusal)

    def __repr__(self):
        return "Decision({0!r})".format(self.as_dict())


def _split_orphans(orphans, delete_orphans):
    return (orphans, []) if delete_orphans else ([], orphans)


def per_instance(gens, held_client_id, base, rotate=False, delete_orphans=True):
    """The rules for a client owned by one ServiceNow instance; ``gens`` from :func:`generations`."""
    trusted = [gen for gen in gens if held_client_id and gen["client_id"] == held_client_id]
    others = [gen for gen in gens if gen not in trusted]
    orphans, kept = _split_orphans(others, delete_orphans)
    if trusted and not rotate:
        return Decision(use=trusted[0], orphans=orphans, kept=kept, state="trusted")
    return Decision(create=next_generation(gens, base), orphans=orphans, kept=kept, previous=trusted,
                    write_secret=True, state="rotated" if trusted else "created")


def shared_leader(gens, cluster_held_client_ids, base, rotate=False, secret_supplied=False, limited=False,
                  delete_orphans=True, held_client_id=""):
    """The rules for the shared client of a cluster, as its leader (the one instance that creates and deletes).

    ``cluster_held_client_ids``: what every instance of the cluster in this play holds; ``limited``: the play
    does not cover every instance (``--limit``), so a generation may be in use outside it and is never an orphan."""
    if limited and (not gens or rotate):
        # Its secret could never reach the instances outside the run: they would need it later, and Camunda never
        # shows it again. (An instance of the cluster that failed earlier in the run counts as outside it.)
        return Decision(refusal=SHARED_PARTIAL_RUN.format(next_generation(gens, base)))
    held = set(cid for cid in cluster_held_client_ids or [] if cid) | ({held_client_id} if held_client_id else set())
    unused = [gen for gen in gens if gen["client_id"] not in held]
    may_orphan = not limited and not secret_supplied
    all_orphaned = bool(gens) and may_orphan and len(unused) == len(gens)
    if not gens or rotate or all_orphaned:
        orphans, kept = _split_orphans(unused if (all_orphaned and not rotate) else [], delete_orphans)
        return Decision(create=next_generation(gens, base), orphans=orphans, kept=kept,
                        previous=gens if rotate else [], write_secret=True, state="rotated" if rotate else "created")
    newest = gens[-1]
    # Older generations nobody holds (a rotation or an earlier run left them) go when the play covers everyone.
    older_unused = [gen for gen in unused if gen is not newest] if not limited else []
    orphans, kept = _split_orphans(older_unused, delete_orphans)
    return _shared_use(newest, held_client_id, secret_supplied, orphans, kept, base)


def shared_follower(gens, held_client_id, base, secret_known=False):
    """The rules for an instance of a shared cluster that is not its leader: it uses the newest generation (the
    one the leader created or kept in this run) and never creates or deletes."""
    if not gens:
        return Decision(refusal=("no shared Camunda client {0}-g<N> exists on the cluster yet and this instance does "
                                 "not create it (the cluster's first instance in the play does)").format(base))
    return _shared_use(gens[-1], held_client_id, secret_known, [], [], base)


def _shared_use(newest, held_client_id, secret_known, orphans, kept, base):
    if held_client_id and held_client_id == newest["client_id"]:
        return Decision(use=newest, orphans=orphans, kept=kept, state="trusted")
    if secret_known:
        return Decision(use=newest, orphans=orphans, kept=kept, write_secret=True, state="supplied")
    return Decision(use=newest, orphans=orphans, kept=kept, write_secret=True, state="supplied",
                    refusal=SHARED_NEEDS_SECRET)


# The refusal of a shared client whose secret is unknown, completed by the module with the names it knows.
SHARED_NEEDS_SECRET = "shared-needs-secret"
# The leader does not create a shared generation in a run that does not reach every instance of the cluster.
SHARED_PARTIAL_RUN = ("the new shared client {0} is not created, because this run does not reach every ServiceNow "
                      "instance of the cluster (--limit, or an instance failed before this step) and those left out "
                      "could never receive its secret: fix what stopped them and run again without --limit")


def decide(mode, gens, held_client_id, base, rotate=False, delete_orphans=True, leader=True,
           cluster_held_client_ids=(), secret_known=False, limited=False):
    """One entry point for both modes (see :func:`per_instance`, :func:`shared_leader`, :func:`shared_follower`)."""
    if mode == SHARED:
        if leader:
            return shared_leader(gens, cluster_held_client_ids, base, rotate=rotate, secret_supplied=secret_known,
                                 limited=limited, delete_orphans=delete_orphans, held_client_id=held_client_id)
        return shared_follower(gens, held_client_id, base, secret_known=secret_known)
    return per_instance(gens, held_client_id, base, rotate=rotate, delete_orphans=delete_orphans)


def validate_base_name(base):
    """None when ``base`` can name generations, else the reason (a sentence fragment)."""
    if not base or not re.match(r"^[A-Za-z0-9_.-]+$", base):
        return "name {0!r} must be letters, digits, '.', '_' or '-' only".format(base)
    if len(base) > MAX_BASE_NAME:
        return ("name {0!r} has {1} characters; at most {2} are allowed, so that the generation suffix -g<N> keeps "
                "the client name within Camunda's 50").format(base, len(base), MAX_BASE_NAME)
    return None


def disagreements(cluster_agreement):
    """The variables the instances of a cluster must share but do not: ``{variable: {instance: value}}`` in,
    ``[(variable, [(value, [instances])])]`` out, sorted (an empty list when they agree)."""
    out = []
    for variable in sorted(cluster_agreement or {}):
        by_value = {}
        for instance, value in sorted((cluster_agreement[variable] or {}).items()):
            by_value.setdefault("" if value is None else str(value), []).append(instance)
        if len(by_value) > 1:
            out.append((variable, sorted(by_value.items())))
    return out


def missing_inputs(required):
    """The names in ``{name: value}`` whose value is unset, empty or false (a caller passes whether a secret is set,
    never the secret), sorted."""
    return sorted(name for name, value in (required or {}).items() if not value or str(value).strip() == "")


def inputs_sentence(instance, cluster, required, cluster_agreement, hint=""):
    """One sentence for what stops an instance before anything is written: inputs not set, or instances of its
    cluster that disagree on what they share (values are never shown: they may be account names of a vault); None
    when everything is fine."""
    problems = []
    missing = missing_inputs(required)
    if missing:
        problems.append("set {0}{1}".format(" and ".join(missing), " ({0})".format(hint) if hint else ""))
    for variable, groups in disagreements(cluster_agreement):
        problems.append("give every instance of Camunda cluster {0} the same {1} (in the cluster's group vars; now "
                        "{2} differ)".format(cluster, variable, " / ".join(", ".join(hosts) for dummy, hosts in groups)))
    if not problems:
        return None
    return "Nothing was written for {0}: {1}.".format(instance, "; ".join(problems))
