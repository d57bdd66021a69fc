"""tests/sandbox/README.md lists every flag the sandbox has: each runtime flag of every service, in a table row that
names its default and the reference fact it follows, and each command-line option of serve.py."""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.dirname(HERE)
README = os.path.join(SANDBOX, "README.md")

sys.path.insert(0, SANDBOX)

# pylint: disable=wrong-import-position
from emulator import camunda  # noqa: E402
from emulator.servicenow import flags as sn_flags  # noqa: E402


def flag_rows():
    """{flag name: [table rows naming it in their first or second cell]} for the README's tables."""
    rows = {}
    with open(README, encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("|") or line.startswith("|---"):
                continue
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            for name in re.findall(r"`([a-z_]+)`", " ".join(cells[:2])):
                rows.setdefault(name, []).append(cells)
    return rows


def documented(rows, name):
    """A row naming ``name`` with a default and a non-empty last cell (the reference fact), or why not."""
    if name not in rows:
        return "%s: in no table" % name
    if not any(len(cells) >= 4 and cells[2] and cells[-1] for cells in rows[name]):
        return "%s: no row gives its default and the reference fact it follows" % name
    return None


def test_every_servicenow_flag_has_a_row_with_default_and_reference():
    rows = flag_rows()
    assert [p for p in (documented(rows, name) for name in sn_flags.FLAGS) if p] == []


def test_every_camunda_flag_has_a_row_with_default_and_reference(tmp_path):
    rows = flag_rows()
    services = dict((service.name, service) for service in camunda.build_services(str(tmp_path)))
    names = set()
    for name in ("camunda_cluster", "keycloak"):  # the SaaS flags (authorizations included) and the Self-Managed ones
        names.update(services[name].set_flags({}))
    assert "token_basic_auth" in names and "authorizations" in names and "keycloak_token_lifetime" in names
    assert [p for p in (documented(rows, name) for name in sorted(names)) if p] == []


def test_every_command_line_option_is_in_the_readme():
    out = subprocess.run([sys.executable, os.path.join(SANDBOX, "serve.py"), "--help"], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    options = sorted(set(re.findall(r"(--(?:sn|camunda)-[a-z-]+)", out)))
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    missing = [o for o in options if o not in text and o.replace("--camunda-", "--[no-]camunda-", 1) not in text]
    assert options and missing == []
