"""The simulated organization: a deterministic generator of everything the inventory reads.

`build_state(preset, organization, seed)` returns an `OrgState`: one Azure DevOps organization with projects,
identities, repositories, pipelines, protected resources, security data, audit log and settings, with
referential integrity everywhere (every project id, descriptor and resource id referenced exists).

Presets:
- `demo`: small and friendly (4 projects, ~20 people). It holds, for every built-in compliance rule, resources
  that break it and resources that satisfy it; `DEMO_RULE_EXAMPLES` names them.
- `medium`: ~50 projects, 500 repositories, 5,000 users.
- `large`: ~300 projects, 3,000 repositories, 30,000 users, 20,000 memberships, 3,000 build definitions,
  1,500 service connections, 1,000 variable groups.

Objects are stored in the shape the REST API returns them (field names, nesting, id and descriptor formats,
dates with 7 fractional digits and `Z`). Graph subjects and entitlements are stored compactly (internal fields
start with `_`) and rendered by the routes, which keeps the large preset small in memory.


The generator is split by area the way the catalog is: `state.py` (the data model), one builder mixin per
area (`identity.py`, `core.py`, `code.py`, ...), the presets (`demo.py`, `bulk.py`) and `build.py`.
New areas hook in through `areas.py`.
"""

from resmo_pipeline.simulator.data.audit import audit_entry
from resmo_pipeline.simulator.data.build import Builder, build_state
from resmo_pipeline.simulator.data.bulk import PRESET_SIZES
from resmo_pipeline.simulator.data.constants import (
    AGILE_TEMPLATE,
    APPROVAL_CHECK_TYPE,
    BASIC_TEMPLATE,
    BRANCH_CONTROL_CHECK_TYPE,
    BUILD_POLICY_TYPE,
    COMMENTS_POLICY_TYPE,
    FIRST_NAMES,
    LAST_NAMES,
    MIN_REVIEWERS_TYPE,
    NAMESPACE_IDS,
    NEVER,
    ORG_POLICY_DESCRIPTIONS,
    POLICY_TYPES,
    PROD_PIPELINE_SETTINGS_SECURE,
    PROJECT_WORDS,
    REPO_WORDS,
    REQUIRED_REVIEWERS_TYPE,
    SCRUM_TEMPLATE,
    SECURITY_NAMESPACES,
    action_display_name,
    b64,
    iso,
)
from resmo_pipeline.simulator.data.demo import DEMO_RULE_EXAMPLES
from resmo_pipeline.simulator.data.state import OrgState

__all__ = [
    "AGILE_TEMPLATE",
    "APPROVAL_CHECK_TYPE",
    "BASIC_TEMPLATE",
    "BRANCH_CONTROL_CHECK_TYPE",
    "BUILD_POLICY_TYPE",
    "COMMENTS_POLICY_TYPE",
    "DEMO_RULE_EXAMPLES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "MIN_REVIEWERS_TYPE",
    "NAMESPACE_IDS",
    "NEVER",
    "ORG_POLICY_DESCRIPTIONS",
    "POLICY_TYPES",
    "PRESET_SIZES",
    "PROD_PIPELINE_SETTINGS_SECURE",
    "PROJECT_WORDS",
    "REPO_WORDS",
    "REQUIRED_REVIEWERS_TYPE",
    "SCRUM_TEMPLATE",
    "SECURITY_NAMESPACES",
    "Builder",
    "OrgState",
    "action_display_name",
    "audit_entry",
    "b64",
    "build_state",
    "iso",
]
