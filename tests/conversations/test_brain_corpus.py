"""The offline brain scored on a corpus of lead chats in English, Spanish, Portuguese and German.

Each chat is replayed turn by turn as the pipeline runs it: the lead's messages since the
bot last spoke are one turn, the bot's scripted question before them is the turn's
`last_asked`, and what the brain learns is applied as `apply_bot_updates` applies it (a
later value replaces an earlier one, an invalid email is never stored). The final profile
is compared with what a careful person would have filed, field by field: a wrong value and
a missing one count the same, and so does a value where the person filed none.
"""

from __future__ import annotations

from collections import Counter

import pytest

from conversations.brain import BrainTurn, HistoryItem, ProfileSnapshot
from conversations.brain.offline import PHRASES, OfflineBrain, question_for
from profiles.completeness import PROFILE_FIELDS, is_valid_email, missing_profile_fields
from tests.conversations.brain_corpus import CHATS, NON_ANSWERS, Bot, Chat, Lead

ACCURACY_GOAL = 0.90


def snapshot(profile: dict[str, str]) -> ProfileSnapshot:
    return ProfileSnapshot(**profile, missing=missing_profile_fields(**profile).missing)


def replay(chat: Chat) -> dict[str, str]:
    """The profile the offline brain fills in over the whole chat."""
    brain = OfflineBrain()
    profile = dict.fromkeys(PROFILE_FIELDS, "")
    history: list[HistoryItem] = []
    last_asked: tuple[str, ...] = ()
    waiting = False

    def answer() -> None:
        turn = BrainTurn(tuple(history), snapshot(profile), last_asked=last_asked)
        for update in brain.respond(turn).updates:
            if update.field != "email" or is_valid_email(update.value):
                profile[update.field] = update.value.strip()

    for step in chat.steps:
        if isinstance(step, Lead):
            history.append(HistoryItem("user", step.text))
            waiting = True
        elif isinstance(step, Bot):
            if waiting:
                answer()
                waiting = False
            history.append(HistoryItem("assistant", step.text))
            last_asked = step.asks
    if waiting:
        answer()
    return profile


def score(chats) -> tuple[Counter, Counter, list[str]]:
    right, total, misses = Counter(), Counter(), []
    for chat in chats:
        got = replay(chat)
        for field in PROFILE_FIELDS:
            total[chat.language] += 1
            if got[field] == chat.expected[field]:
                right[chat.language] += 1
            else:
                wanted = chat.expected[field]
                misses.append(f"{chat.id} {field}: {got[field]!r}, expected {wanted!r}")
    return right, total, misses


def test_the_corpus_covers_forty_chats_or_more_in_each_of_the_four_languages_together():
    languages = Counter(chat.language for chat in CHATS)

    assert len(CHATS) >= 40
    assert set(languages) == {"en", "es", "pt", "de"}
    assert min(languages.values()) >= 10


def test_the_offline_brain_files_at_least_90_percent_of_the_corpus_fields_right():
    right, total, misses = score(CHATS)

    accuracy = sum(right.values()) / sum(total.values())
    report = ", ".join(f"{lang} {right[lang]}/{total[lang]}" for lang in sorted(total))
    assert accuracy >= ACCURACY_GOAL, f"{accuracy:.1%} ({report}); misses:\n" + "\n".join(misses)


@pytest.mark.parametrize("language", ["en", "es", "pt", "de"])
def test_no_language_falls_far_behind(language):
    right, total, misses = score(chat for chat in CHATS if chat.language == language)

    assert right[language] / total[language] >= ACCURACY_GOAL - 0.05, "\n".join(misses)


def bot_question(language: str, asks: tuple[str, ...]) -> str:
    """The question the offline brain itself would have asked for `asks`."""
    if not asks:
        return PHRASES[language]["hello"].format(name="")
    return question_for(language, asks)


@pytest.mark.parametrize(
    "case", NON_ANSWERS, ids=[f"{case.language}-{case.text[:40]}" for case in NON_ANSWERS]
)
def test_a_non_answer_fills_nothing(case):
    turn = BrainTurn(
        history=(
            HistoryItem("assistant", bot_question(case.language, case.asks)),
            HistoryItem("user", case.text),
        ),
        profile=snapshot(dict.fromkeys(PROFILE_FIELDS, "")),
        last_asked=case.asks,
    )

    reply = OfflineBrain().respond(turn)

    assert reply.updates == ()
    assert reply.asks, "the bot asks again for what is missing"
