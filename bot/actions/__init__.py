"""Bot actions: plain rasa_sdk.Action subclasses working on the CRM."""
