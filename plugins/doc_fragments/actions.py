# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The `actions` and `resources` return values every llmtwin.deploy module has (the module contract in
    plugins/module_utils/_common.py).

    Ansible merges doc fragments into DOCUMENTATION only, never into RETURN, so a module uses this in two
    places: `extends_documentation_fragment: [llmtwin.deploy.actions]` (the note below), and the RETURN
    text below copied verbatim at the end of the module's own RETURN block, so every module documents the
    two keys with the same words. Keep the copies in step with this one."""

    # A fragment must carry options or attributes; this one adds none of either, only the note.
    DOCUMENTATION = r"""
options: {}
notes:
  - "The result always has RV(actions), what the task did (or, in check mode, would do), one
    C(<verb> <kind> <name>[: <detail>]) string each with verb C(create), C(update) or C(delete), and
    RV(resources), every C(<kind> <name>) the task reconciled, changed or not. The summary callback
    counts created, updated, unchanged and removed resources from these two lists."
  - A task that fails after a write reports C(changed=true) and the RV(actions) already done.
"""

    RETURN = r"""
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create bucket llmtwin-artifacts", "update bucket llmtwin-artifacts: versioning Enabled"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["bucket llmtwin-artifacts"]
"""
