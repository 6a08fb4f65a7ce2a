"""The Slack edge: Bolt listeners and entry points over the Slack-free core."""
