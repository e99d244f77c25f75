"""Chat channels: Rasa REST, Rasa socket.io, the native WebSocket and the web chat page.

``setup_channels(app)`` (in ``bot.gateway.channels.setup``) adds their routes; all of
them feed the handler at ``keys.MESSAGE_HANDLER``.
"""
