# Copyright: (c) 2025, camunda.servicenow contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWX custom credential types of extensions/awx/credential_types/, and AWX's way of injecting them.

* ``load(kind)``: the definition (``servicenow`` or ``camunda``) as a dict.
* ``render_env(definition, inputs)``: the environment variables AWX injects for a credential with ``inputs``, rendered
  as AWX renders them (awx_plugins.interfaces ``inject_credential``): a sandboxed Jinja environment, unset or empty
  fields undefined (so they render as ``""``), unset boolean fields ``False``, every env injector always set.
* ``options_table(kind)``: SERVICENOW_OPTIONS or CAMUNDA_OPTIONS with ``env`` always a list, imported from the
  collection through a symlinked ``ansible_collections/camunda/servicenow`` tree.
* ``check(definition, options, excluded)``: the problems that make a definition disagree with an options table.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import sys
import tempfile

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPES_DIR = os.path.join(REPO, "extensions", "awx", "credential_types")
# Options with an environment variable that a credential type leaves out on purpose (the YAML file says why).
EXCLUDED = {
    "servicenow": {"grant_type", "access_token", "client_certificate_file", "client_key_file", "timeout", "api_path"},
    "camunda": {"console_audience", "cluster_audience", "timeout"},
}
TEMPLATE_FIELD = re.compile(r"^\{\{ (\w+)(?: \| default\((.*), true\))? \}\}$")


def load(kind):
    with open(os.path.join(TYPES_DIR, kind + ".yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def header_comment(kind):
    """The comment lines at the top of the definition file."""
    with open(os.path.join(TYPES_DIR, kind + ".yml"), encoding="utf-8") as handle:
        return " ".join(line.lstrip("# ").rstrip() for line in handle if line.startswith("#"))


def render_env(definition, inputs):
    """What AWX puts into the job's environment for a credential of ``definition`` holding ``inputs``."""
    namespace = {}
    for name, value in inputs.items():
        if isinstance(value, bool) or value:
            namespace[name] = value
    for field in definition["inputs"]["fields"]:
        if field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
    sandbox = ImmutableSandboxedEnvironment()
    return dict((name, sandbox.from_string(template).render(**namespace))
                for name, template in definition["injectors"]["env"].items())


def _collection_root():
    """A directory holding ansible_collections/camunda/servicenow -> REPO (made once per process)."""
    root = os.path.join(tempfile.gettempdir(), "camunda-servicenow-ci-%d" % os.getpid())
    link = os.path.join(root, "ansible_collections", "camunda", "servicenow")
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)
    return root


def import_module_utils(name):
    root = _collection_root()
    if root not in sys.path:
        sys.path.insert(0, root)
    module = __import__("ansible_collections.camunda.servicenow.plugins.module_utils." + name, fromlist=["x"])
    return module


def options_table(kind):
    if kind == "servicenow":
        table = import_module_utils("servicenow").SERVICENOW_OPTIONS
    else:
        table = import_module_utils("camunda").CAMUNDA_OPTIONS
    out = {}
    for name, option in table.items():
        option = dict(option)
        env = option.get("env") or []
        option["env"] = [env] if isinstance(env, str) else list(env)
        out[name] = option
    return out


def default_text(value):
    """An option's default as the text an environment variable carries."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check(definition, options, excluded):
    """Every way ``definition`` disagrees with ``options`` (empty when they agree)."""
    problems = []
    fields = dict((field["id"], field) for field in definition["inputs"]["fields"])
    if len(fields) != len(definition["inputs"]["fields"]):
        problems.append("duplicate field ids")
    env_owner = dict((env, name) for name, option in options.items() for env in option["env"])
    injected = {}
    for env, template in sorted(definition["injectors"]["env"].items()):
        match = TEMPLATE_FIELD.match(template)
        if env not in env_owner:
            problems.append("%s is injected but no module reads it" % env)
            continue
        option = env_owner[env]
        if options[option]["env"][0] != env:
            problems.append("%s is an alias; inject %s for %s" % (env, options[option]["env"][0], option))
        if not match or match.group(1) != option:
            problems.append("%s must render the field %s, as '{{ %s }}'" % (env, option, option))
            continue
        if option not in fields:
            problems.append("%s renders %s, which is no input field" % (env, option))
        if match.group(2) is not None:
            if "default" not in options[option]:
                problems.append("%s has a default in its template but %s has none" % (env, option))
            elif match.group(2) != "'%s'" % default_text(options[option]["default"]):
                problems.append("%s renders default %s, the module's default is %r" % (
                    env, match.group(2), default_text(options[option]["default"])))
        elif "default" in options[option] and options[option]["default"] is not None:
            problems.append("%s would be empty when the field is unset, not the default %r; add | default('%s', true)"
                            % (env, default_text(options[option]["default"]), default_text(options[option]["default"])))
        injected[option] = env
    for name, field in sorted(fields.items()):
        if name not in injected:
            problems.append("field %s is injected into no environment variable" % name)
            continue
        if bool(field.get("secret")) != bool(options[name].get("no_log")):
            problems.append("field %s: secret is %s but the option's no_log is %s" % (
                name, bool(field.get("secret")), bool(options[name].get("no_log"))))
        if field.get("type") == "boolean":
            problems.append("field %s is boolean: AWX renders an unset boolean as False; use choices true/false" % name)
    with_env = set(name for name, option in options.items() if option["env"])
    missing = sorted(with_env - set(injected) - set(excluded))
    if missing:
        problems.append("options read from the environment but neither injected nor excluded: %s" % ", ".join(missing))
    both = sorted(set(injected) & set(excluded))
    if both:
        problems.append("injected although listed as excluded: %s" % ", ".join(both))
    for name in definition["inputs"].get("required", []):
        if name not in fields:
            problems.append("required input %s is no field" % name)
    return problems
