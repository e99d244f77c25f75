"""Natural-language understanding: intent, entities, sentiment and language of one message."""
