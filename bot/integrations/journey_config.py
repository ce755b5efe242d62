"""The journey rules' tuning, read from the settings (kept apart so any bot module can import it)."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Settings
from handlers.journey.config import JourneyConfig


def journey_config(settings: Settings) -> JourneyConfig:
    """Setup guide delay (``DOORSTEP_SETUP_GUIDE_DELAY_HOURS``) and review request window
    (``DOORSTEP_REVIEW_REQUEST_DAYS``) from the settings; help links stay the defaults."""
    return JourneyConfig(
        setup_guide_delay=timedelta(hours=settings.setup_guide_delay_hours),
        review_request_delay=timedelta(days=settings.review_request_days),
    )
