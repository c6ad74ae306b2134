"""inboxwatch: warns a freelancer, early and with evidence, about difficult clients."""

__version__ = "0.1.0"
