"""Reply benchmark: scripted shopper messages through the conversation engine."""
