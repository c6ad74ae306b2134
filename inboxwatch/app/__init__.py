"""The edges a user runs: the command line and its commands, the service daemon and the demo."""
