"""Mail into the database: the per-message pipeline (parse, assign a client, classify), warm
worker processes, the IMAP sync and the mailbox-file import."""
