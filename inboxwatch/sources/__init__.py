"""Where mail comes from: the IMAP client (read-only) and the mbox/Maildir reader."""
