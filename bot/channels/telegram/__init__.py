"""The Telegram channel for shoppers (python-telegram-bot), in polling or webhook mode.

Entry point: :func:`bot.channels.telegram.feature.telegram_feature`. Nothing is imported here,
so ``doorstep link`` does not pay for importing python-telegram-bot.
"""
