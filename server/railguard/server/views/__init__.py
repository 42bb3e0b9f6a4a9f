"""Thin aiohttp views: parse with the wire models, call the data layer, answer JSON."""
