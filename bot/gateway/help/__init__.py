"""The public help center at ``/help``: server-rendered, sanitised, no script at all."""
