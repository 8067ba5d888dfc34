"""Controller-side tests load real plays, roles and tasks, which resolve module names (ansible.builtin.debug,
llmtwin.deploy.*) through ansible's collection loader: install it once, as ansible-playbook does, before
anything imports ansible_collections."""
from pathlib import Path

from ansible.plugins.loader import init_plugin_loader

COLLECTIONS = Path(__file__).resolve().parents[4] / "collections"
init_plugin_loader([str(COLLECTIONS)])
