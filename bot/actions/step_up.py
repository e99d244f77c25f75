"""The second factor before an order change: a one-time code sent to the email on file.

``VerifiedAction`` subclasses with a ``step_up`` purpose (cancel, address change) call
``ask_for_code`` until the conversation has ``step_up_verified``: a code is issued and
mailed (``crm_core.services.one_time_codes``, ``crm_core.mail``), ``code_form`` asks for
it, ``validate_code_form`` checks it, and ``action_verify_code`` resumes the change. If
the mail cannot be sent, the change is not made: a colleague takes over.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot.actions.base import DomainDict, KefuAction, language
from bot.actions.services import ActionServices, standalone_services
from crm_core.errors import CodeRejected, ServiceUnavailable

CODE_FORM = "code_form"
_SUBJECT = {"en": "Your kefu confirmation code", "zh": "您的客服验证码"}
_BODY = {
    "en": "Hello {name},\n\nyour confirmation code is {code}. It is valid for {minutes} "
          "minutes.\nIf you did not ask to change an order, ignore this email: nothing "
          "changes without the code.\n",
    "zh": "{name}，您好：\n\n您的验证码是 {code}，{minutes} 分钟内有效。\n如果您没有申请修改订单，"
          "请忽略本邮件：没有验证码，任何内容都不会被修改。\n",
}


async def ask_for_code(services: ActionServices, dispatcher: CollectingDispatcher,
                       tracker: Tracker, customer_id: int, purpose: str,
                       resume: str) -> list[EventType]:
    """Mail a fresh code and start ``code_form``; ``resume`` runs once it is right."""
    from crm_core.mail import send_mail
    from crm_core.services.one_time_codes import issue_code, mask_email

    lang = language(tracker)
    try:
        if services.mail is None:
            raise ServiceUnavailable("no mail configured")
        issued = await issue_code(services.uow(), customer_id, purpose,
                                  ttl=timedelta(minutes=services.step_up_minutes))
        await send_mail(services.mail, issued.email, _SUBJECT.get(lang, _SUBJECT["en"]),
                        _BODY.get(lang, _BODY["en"]).format(
                            name=issued.customer_name, code=issued.code,
                            minutes=services.step_up_minutes))
    except ServiceUnavailable:
        dispatcher.utter_message(response="utter_step_up_unavailable")
        return [SlotSet("handoff_reason", "step_up_unavailable")]
    dispatcher.utter_message(response="utter_code_sent", masked_email=mask_email(issued.email))
    return [SlotSet("pending_action", resume), SlotSet("one_time_code", None),
            SlotSet("step_up_purpose", purpose), FollowupAction(CODE_FORM)]


class ValidateCodeForm(FormValidationAction):
    """Checks the code the customer typed against the one mailed to them."""

    def __init__(self, services: ActionServices | None = None) -> None:
        self._services = services

    def name(self) -> str:
        """The validation action of ``code_form``."""
        return "validate_code_form"

    async def validate_one_time_code(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Right: the conversation may change orders. Wrong: ask again while tries last."""
        from crm_core.services.one_time_codes import use_code

        services = self._services or await standalone_services()
        customer_id = tracker.get_slot("customer_id")
        purpose = tracker.get_slot("step_up_purpose") or "order_change"
        if customer_id is None:
            return {"one_time_code": "failed"}
        try:
            await use_code(services.uow(), int(customer_id), purpose, str(value or ""),
                           max_tries=services.step_up_max_tries)
        except CodeRejected as exc:
            if exc.tries_left > 0:
                dispatcher.utter_message(response="utter_code_wrong", tries_left=exc.tries_left)
                return {"one_time_code": None}
            dispatcher.utter_message(response="utter_code_failed")
            return {"one_time_code": "failed", "step_up_verified": False,
                    "pending_action": None, "handoff_reason": "step_up_failed"}
        return {"one_time_code": "ok", "step_up_verified": True}


class ActionVerifyCode(KefuAction):
    """After ``code_form``: resume the change that asked for the code."""

    def name(self) -> str:
        """Runs when ``code_form`` completes."""
        return "action_verify_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """Continue with ``pending_action`` once the code was right."""
        pending = tracker.get_slot("pending_action")
        events: list[EventType] = [SlotSet("one_time_code", None)]
        if tracker.get_slot("step_up_verified") and pending:
            dispatcher.utter_message(response="utter_code_accepted")
            return [*events, SlotSet("pending_action", None), FollowupAction(pending)]
        return events
