"""The shop's web chat: a static page at ``GET /`` talking to ``GET /ws`` (WebSocket).

The adapter only translates: WebSocket JSON frames <-> :class:`handlers.messages.IncomingMessage`
and :class:`handlers.messages.Reply`. See :mod:`bot.channels.webchat.protocol` for the frames and
:class:`bot.channels.webchat.hub.WebChatSender` for pushing replies to an open page.
"""
