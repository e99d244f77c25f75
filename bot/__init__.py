"""kefu's bot: the gateway (aiohttp), dialogue engine, NLU, actions and voice channels."""
