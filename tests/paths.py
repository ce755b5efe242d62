"""Where the tests find their third-party fixtures: inside the repository, under ``tests/fixtures``.

Every public payload, spec and data set the tests and fakes read is copied here with its licence
(see ``tests/fixtures/SOURCES.md``), so a plain clone of the repository runs its tests with nothing
beside it. This module is the one place that names those paths.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"
#: CLINC150 (train, val, oos_train, oos_val splits)
CLINC150 = FIXTURES / "clinc150" / "dev_splits.json"
#: provider payloads, one folder per provider (``shopify``, ``easypost``)
WEBHOOK_FIXTURES = FIXTURES / "webhooks"
#: the machine-readable Telegram Bot API the fake Telegram server validates requests against
TELEGRAM_API_SPEC = FIXTURES / "telegram" / "api.json"
