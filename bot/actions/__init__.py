"""kefu's actions: plain ``rasa_sdk.Action`` subclasses on the CRM services.

The dialogue engine builds them with the app's services (``build_actions``);
``python -m rasa_sdk --actions bot.actions`` finds and serves the same classes.
"""

from __future__ import annotations

from rasa_sdk import Action

from bot.actions.addresses import ValidateAddressForm
from bot.actions.confirm import ActionAskChangeConfirmed, ActionConfirmChange
from bot.actions.identity import ActionVerifyIdentity, ValidateIdentityForm
from bot.actions.knowledge import ActionKnowledgeAnswer, ActionKnowledgeFeedback
from bot.actions.orders import ActionCancelOrder, ActionChangeAddress, ActionOrderStatus
from bot.actions.products import ActionProductInfo, ActionRecommend
from bot.actions.returns import ActionAskReturnItems, ActionRequestReturn, ValidateReturnForm
from bot.actions.services import ActionServices
from bot.actions.step_up import ActionVerifyCode, ValidateCodeForm
from bot.actions.support import ActionFaq, ActionGoodbye, ActionHandoff, ActionRecordCsat
from bot.actions.tickets import ActionAccountUpdate, ActionOpenTicket, ActionTicketStatus

ACTION_CLASSES: tuple[type[Action], ...] = (
    ActionVerifyIdentity, ValidateIdentityForm, ActionOrderStatus, ActionCancelOrder,
    ActionChangeAddress, ActionRequestReturn, ActionOpenTicket, ActionTicketStatus,
    ActionAccountUpdate, ActionProductInfo, ActionRecommend, ActionFaq, ActionHandoff,
    ActionGoodbye, ActionRecordCsat, ActionVerifyCode, ValidateCodeForm,
    ActionAskChangeConfirmed, ActionConfirmChange, ActionAskReturnItems, ValidateReturnForm,
    ValidateAddressForm,
    ActionKnowledgeAnswer, ActionKnowledgeFeedback,
)


def build_actions(services: ActionServices) -> dict[str, Action]:
    """Every action, built with ``services``, by name."""
    actions = [cls(services) for cls in ACTION_CLASSES]  # type: ignore[call-arg]
    return {action.name(): action for action in actions}


__all__ = ["ACTION_CLASSES", "ActionServices", "build_actions"]
