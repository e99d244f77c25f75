"""Pipeline components, each registered under a versioned name (see ``bot.nlu.registry``)."""
