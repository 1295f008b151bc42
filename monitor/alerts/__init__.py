"""Alert content: the view of an event and the Slack Block Kit built from it."""
