"""The aiohttp gateway: composition root, HTTP API, channels and web pages."""
