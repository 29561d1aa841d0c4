"""The standard instruments, with their published wording and scales.

`{service}` in a text is replaced by the service's name when the instrument is added to a survey.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ItemSpec:
    kind: str
    text: str
    item: str = ""
    scale: tuple[int, int] | None = None
    labels: tuple[str, str] = ("", "")
    required: bool = True
    # For follow-ups: index of the item it follows in the same instrument, and the score range.
    follows: int | None = None
    show: tuple[int | None, int | None] = (None, None)
    options: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Instrument:
    key: str
    label: str
    description: str
    items: tuple[ItemSpec, ...]


AGREE_5 = ("Strongly disagree", "Strongly agree")

SUS_ITEMS = (
    "I think that I would like to use {service} frequently.",
    "I found {service} unnecessarily complex.",
    "I thought {service} was easy to use.",
    "I think that I would need the support of a technical person to be able to use {service}.",
    "I found the various functions in {service} were well integrated.",
    "I thought there was too much inconsistency in {service}.",
    "I would imagine that most people would learn to use {service} very quickly.",
    "I found {service} very cumbersome to use.",
    "I felt very confident using {service}.",
    "I needed to learn a lot of things before I could get going with {service}.",
)

ADKAR_ITEMS = (
    ("awareness", "I understand why {service} is being introduced."),
    ("desire", "I want to use {service} in my work."),
    ("knowledge", "I know how to use {service}."),
    ("ability", "I am able to use {service} in my day-to-day work."),
    ("reinforcement", "I get the support I need to keep using {service}."),
)

INSTRUMENTS: dict[str, Instrument] = {
    i.key: i
    for i in (
        Instrument(
            "nps",
            "Net Promoter Score",
            "0-10 likelihood to recommend, with a 'why' follow-up. NPS = %promoters (9-10) - %detractors (0-6).",
            (
                ItemSpec(
                    "nps",
                    "How likely are you to recommend {service} to a colleague?",
                    "nps",
                    (0, 10),
                    ("Not at all likely", "Extremely likely"),
                ),
                ItemSpec(
                    "long_text",
                    "What is the main reason for your score?",
                    "why",
                    required=False,
                    follows=0,
                ),
            ),
        ),
        Instrument(
            "nps_by_score",
            "Net Promoter Score, follow-up by score",
            "NPS with a different follow-up for detractors, passives and promoters.",
            (
                ItemSpec(
                    "nps",
                    "How likely are you to recommend {service} to a colleague?",
                    "nps",
                    (0, 10),
                    ("Not at all likely", "Extremely likely"),
                ),
                ItemSpec(
                    "long_text",
                    "What would have to change for you to recommend {service}?",
                    "why_detractor",
                    required=False,
                    follows=0,
                    show=(0, 6),
                ),
                ItemSpec(
                    "long_text",
                    "What would make {service} even better for you?",
                    "why_passive",
                    required=False,
                    follows=0,
                    show=(7, 8),
                ),
                ItemSpec(
                    "long_text",
                    "What do you value most in {service}?",
                    "why_promoter",
                    required=False,
                    follows=0,
                    show=(9, 10),
                ),
            ),
        ),
        Instrument(
            "csat",
            "Customer satisfaction (CSAT)",
            "1-5 satisfaction. CSAT = % answering 4 or 5.",
            (
                ItemSpec(
                    "csat",
                    "Overall, how satisfied are you with {service}?",
                    "csat",
                    (1, 5),
                    ("Very dissatisfied", "Very satisfied"),
                ),
            ),
        ),
        Instrument(
            "ces",
            "Customer effort score (CES 2.0)",
            "1-7 agreement that the service made it easy. Mean, and % answering 5-7.",
            (
                ItemSpec(
                    "ces",
                    "{service} made it easy for me to get my work done.",
                    "ces",
                    (1, 7),
                    ("Strongly disagree", "Strongly agree"),
                ),
            ),
        ),
        Instrument(
            "sus",
            "System Usability Scale (SUS)",
            "Brooke's ten items, 1-5. SUS = 2.5 x (sum of odd items - 1, plus 5 - even items), 0-100; 68 is average.",
            tuple(
                ItemSpec("sus", text, f"sus{i}", (1, 5), AGREE_5)
                for i, text in enumerate(SUS_ITEMS, start=1)
            ),
        ),
        Instrument(
            "adkar",
            "ADKAR pulse",
            "Prosci's five elements, 1-5. The barrier point is the first element scoring 3 or less.",
            tuple(ItemSpec("adkar", text, key, (1, 5), AGREE_5) for key, text in ADKAR_ITEMS),
        ),
        Instrument(
            "training",
            "Training reaction (Kirkpatrick level 1)",
            "How the session felt and whether it will be applied.",
            (
                ItemSpec(
                    "scale", "The session was relevant to my work.", "relevance", (1, 5), AGREE_5
                ),
                ItemSpec("scale", "I can apply what I learned.", "application", (1, 5), AGREE_5),
                ItemSpec(
                    "scale", "The trainer was clear and well prepared.", "delivery", (1, 5), AGREE_5
                ),
                ItemSpec(
                    "long_text",
                    "What would have made the session more useful?",
                    "improve",
                    required=False,
                ),
            ),
        ),
    )
}
