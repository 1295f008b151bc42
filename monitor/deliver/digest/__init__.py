"""The daily digest: data composed from one local day, rendered as HTML, Markdown and Slack."""
