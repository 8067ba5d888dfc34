"""llm_twin is imported from the repository root (it is an application, not part of ansible_collections)."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
