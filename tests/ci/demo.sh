#!/usr/bin/env bash
# The quick start (`make demo`): on a machine with Python 3 and git only, set up a virtual environment, install the
# collection itself, start the sandbox (TLS, three ServiceNow instances sharing one Camunda cluster), run
# playbooks/site.yml, run it again to show changed=0 for every host, print the summary, stop the sandbox.
# Works offline except for the package installation. Environment: PYTHON (default python3), VENV (default .venv),
# DEMO_DIR (default .sandbox/demo).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
VENV=${VENV:-$ROOT/.venv}
DEMO_DIR=${DEMO_DIR:-$ROOT/.sandbox/demo}

if [ ! -x "$VENV/bin/ansible-playbook" ]; then
  echo "== Creating $VENV and installing requirements.txt and ansible-core"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -r requirements.txt "ansible-core>=2.19,<2.20" cryptography
fi
export PATH="$VENV/bin:$PATH"

echo "== Building and installing the collection camunda.servicenow (so its FQCNs resolve)"
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR/build" "$DEMO_DIR/collections"
export ANSIBLE_COLLECTIONS_PATH="$DEMO_DIR/collections"
ansible-galaxy collection build --force --output-path "$DEMO_DIR/build" . >/dev/null
ansible-galaxy collection install --force --offline -p "$DEMO_DIR/collections" "$DEMO_DIR"/build/camunda-servicenow-*.tar.gz >/dev/null
export ANSIBLE_ROLES_PATH="$DEMO_DIR/roles"
export ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

stop_sandbox() { python tests/sandbox/ctl.py stop --state-dir "$DEMO_DIR/sandbox" >/dev/null 2>&1 || true; }
trap stop_sandbox EXIT

echo "== Starting the sandbox: TLS, three ServiceNow instances, one Camunda SaaS organization and cluster"
python tests/sandbox/ctl.py start --state-dir "$DEMO_DIR/sandbox" --instances 3 --tls >/dev/null
python tests/ci/sandbox_inventory.py "$DEMO_DIR/sandbox/sandbox.json" "$DEMO_DIR/inventory.yml"

echo "== First run: ansible-playbook camunda.servicenow.site"
ansible-playbook -i "$DEMO_DIR/inventory.yml" camunda.servicenow.site | tee "$DEMO_DIR/run1.log" \
  | grep -E '^(PLAY RECAP|sn[0-9]+ +:)' || true
grep -qE 'failed=[1-9]|unreachable=[1-9]' "$DEMO_DIR/run1.log" && { echo "The first run failed; see $DEMO_DIR/run1.log"; exit 1; }

echo "== Second run: nothing left to change"
ansible-playbook -i "$DEMO_DIR/inventory.yml" camunda.servicenow.site > "$DEMO_DIR/run2.log"
python - "$DEMO_DIR/run2.log" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
recap = text[text.rindex("PLAY RECAP"):]
hosts = re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", recap, re.M)
# The summary printed by the role's last step, once per instance.
for block in re.findall(r'"msg": \[\n(.*?)\n\s*\]', text, re.S):
    print("\n".join(line.strip().strip(",").strip('"') for line in block.splitlines()))
print()
bad = [h for h in hosts if h[1] != "0" or h[2] != "0" or h[3] != "0"]
for name, changed, unreachable, failed in hosts:
    print("%-6s changed=%s unreachable=%s failed=%s" % (name, changed, unreachable, failed))
if len(hosts) != 3 or bad:
    sys.exit("The second run was expected to report changed=0 for 3 hosts; see %s" % sys.argv[1])
print("Second run: changed=0 on every host.")
PY
echo "== Stopping the sandbox"
