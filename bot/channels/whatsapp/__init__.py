"""WhatsApp for shoppers: the Cloud API channel (webhook in, replies and proactive messages out) over pywa."""
