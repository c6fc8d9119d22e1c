"""Demo data for a newcomer's first look: realistic leads written through the real pipeline."""
