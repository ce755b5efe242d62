"""Knowledge base search benchmark."""
