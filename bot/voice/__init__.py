"""Voice channels: speech-to-text, text-to-speech, browser, Twilio and Asterisk callers."""
