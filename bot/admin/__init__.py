"""The operator console at ``/admin`` (dashboard, order timelines, handoff inbox) and the handoff API.

Pages are rendered by Jinja2 templates (``templates/``) and draw their charts with Chart.js,
vendored in ``static/`` (see ``static/NOTICE.md``); nothing is loaded from another origin.
"""
