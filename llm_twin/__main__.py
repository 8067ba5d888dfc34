import sys

from llm_twin.cli import main

sys.exit(main())
