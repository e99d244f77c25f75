"""Typed application keys: every shared resource on the aiohttp app, in one place.

Each resource is opened and closed by one ``cleanup_ctx`` generator (see ``app.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

    from bot.knowledge.live import KnowledgeBase
    from bot.messages import MessageHandler
    from bot.gateway.openapi import OpenApiDocument
    from bot.gateway.ratelimit import RateLimits
    from bot.nlu.types import Interpreter
    from bot.nlu.worker import NluWorker
    from bot.settings import Settings
    from crm_core.domain import SlaPolicy
    from recommend.service import RecommendationService
    from bot.voice.audiosocket import AudioSocketServer
    from bot.voice.service import VoiceService
    from bot.gateway.console.reports import SupervisorReports
    from bot.gateway.console.service import ConsoleService
    from routing.handoff import HandoffSink
    from routing.live import LiveChatHub
    from routing.router import Router

SETTINGS: web.AppKey["Settings"] = web.AppKey("settings")
DB_ENGINE: web.AppKey["AsyncEngine"] = web.AppKey("db_engine")
SESSION_FACTORY: web.AppKey["async_sessionmaker"] = web.AppKey("session_factory")
# NLU model loaded once per worker (bot/nlu).
INTERPRETER: web.AppKey["Interpreter"] = web.AppKey("interpreter")
# The same model in a process of its own for the chat turns' NLU (settings.nlu_worker).
NLU_WORKER: web.AppKey["NluWorker"] = web.AppKey("nlu_worker")
# The one message pipeline every channel feeds (bot dialogue engine).
MESSAGE_HANDLER: web.AppKey["MessageHandler"] = web.AppKey("message_handler")
# Where the bot hands conversations to humans (routing queue, or tickets as a fallback).
HANDOFF_SINK: web.AppKey["HandoffSink"] = web.AppKey("handoff_sink")
# SLA targets and order rules from config/policies.yml, loaded once per app.
SLA_POLICY: web.AppKey["SlaPolicy"] = web.AppKey("sla_policy")
# The REST API's OpenAPI document, built on first request (bot/gateway/openapi.py).
OPENAPI_DOCUMENT: web.AppKey["OpenApiDocument"] = web.AppKey("openapi_document")
# Recommendations from purchases (recommend/server.py): saved model, swapped on retrain.
RECOMMENDER: web.AppKey["RecommendationService"] = web.AppKey("recommender")
# bot/knowledge: the index of published help-center articles, kept fresh by a poller.
KNOWLEDGE: web.AppKey["KnowledgeBase"] = web.AppKey("knowledge")
# Speech engines and the voice turn service (bot/voice); the Asterisk AudioSocket server.
VOICE: web.AppKey["VoiceService"] = web.AppKey("voice")
AUDIOSOCKET: web.AppKey["AudioSocketServer"] = web.AppKey("audiosocket")
# The human-agent queue (routing/), the live chat between customers and agents, and the
# agent console's service (bot/gateway/console); canned replies from config/console.yml.
ROUTER: web.AppKey["Router"] = web.AppKey("router")
LIVE_CHAT: web.AppKey["LiveChatHub"] = web.AppKey("live_chat")
CONSOLE: web.AppKey["ConsoleService"] = web.AppKey("console")
CANNED_RESPONSES: web.AppKey[list] = web.AppKey("canned_responses", list)
# The console's supervisor pages: staffing plans and service reports (console/reports.py).
SUPERVISOR_REPORTS: web.AppKey["SupervisorReports"] = web.AppKey("supervisor_reports")
# Per-client rate limits and their counters (memory, or Redis when redis_url is set).
RATE_LIMITS: web.AppKey["RateLimits"] = web.AppKey("rate_limits")
