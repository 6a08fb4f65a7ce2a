"""immuno: a Slack bot that answers cancer-immunotherapy questions from a sourced knowledge file."""

__version__ = "0.1.0"
