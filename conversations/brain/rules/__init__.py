"""The offline brain's understanding of a lead's messages, in English, Spanish, Portuguese
and German, without a model or a network.

Module map:

- `lexicon`: the word tables (cues, labels, particles, compound given names, everyday
  words, refusals), data only;
- `language`: which language a message is in, and which fields a question asks for;
- `names`: reading a person's name at a position and splitting it into name and last name;
- `companies`: reading a company's name at a position;
- `handoff`: questions a person must answer (prices, availability, complaints);
- `extractor`: the order a message is read in (emails, labels, cues, answers to the question
  just asked), and `extract_updates`, the entry point.
"""

from conversations.brain.rules.extractor import extract_updates
from conversations.brain.rules.handoff import handoff_topic
from conversations.brain.rules.language import detect_language, fields_asked_in

__all__ = ["detect_language", "extract_updates", "fields_asked_in", "handoff_topic"]
