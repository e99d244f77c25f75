"""The dialogue engine: Rasa-style trackers, rules, forms, fallback and handoff.

``setup_dialogue(app)`` (in ``bot.dialogue.setup``) wires the engine into the aiohttp app
and puts it at ``keys.MESSAGE_HANDLER``; nothing heavy is imported here.
"""
