"""Where the tests find the project's shared material (``shared/`` beside the repository)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
#: shared/ sits beside the checkout (in CI too); DOORSTEP_SHARED_DIR overrides it
SHARED_DIR = Path(os.environ.get("DOORSTEP_SHARED_DIR", REPO_ROOT.parent / "shared"))
CLINC150 = SHARED_DIR / "data" / "clinc150" / "dev_splits.json"
WEBHOOK_FIXTURES = SHARED_DIR / "fixtures" / "webhooks"
