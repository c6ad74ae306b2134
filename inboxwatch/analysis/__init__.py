"""Pure judgement over stored mail: conversations and answer times, when to reply, the warning
signs and the score."""
