"""A grammar of film reviews whose labels follow from its rules (the offline sentiment corpus).

The rule that decides a review's label:

* Each of the reviewer's **own opinion clauses** has a value: the polarity of its sentiment word (+1 or -1),
  flipped when a negation has that word in its scope ("the plot was *not* dull" is +1). The scope of a
  negation is its own clause only: "the plot was not dull, and the music was superb" has two clauses.
* In a **contrast** ("A, but B", "although A, B", "despite A, B", "A; however, B") the clause A is overridden:
  the construction's value is B's.
* Opinions **attributed to others** ("my brother thought the acting was awful", "critics called it ...") and
  neutral sentences have no value.
* Every review is generated so that all counted values agree; that common value is the label (1 positive,
  0 negative).

Each review carries one phenomenon tag:

``plain``          own opinions only, no negation or contrast; 10-80 tokens.
``negation``       at least one counted opinion is negated, so its sentiment word has the *opposite* polarity.
``contrast``       the deciding opinion is the B side of a contrast whose A side has the opposite polarity.
``long-distance``  the only counted opinion opens the review; 150-330 tokens of neutral sentences and
                   attributed opinions of the opposite polarity follow it.

Neutral sentences also contain "not" and "never" ("I had not read the book"), so a negation word alone is no cue.
Word strength is graded 1-3 and modified by intensifiers ("extremely") and softeners ("somewhat").
"""
from __future__ import annotations

import random

PHENOMENA = ("plain", "negation", "contrast", "long-distance")

POSITIVE = {
    1: "decent fine pleasant nice solid likeable charming agreeable watchable enjoyable competent engaging sweet "
       "fun good appealing lovely warm amusing tidy respectable satisfying neat cute smart honest gentle "
       "cheerful handsome sturdy",
    2: "great impressive moving gripping clever delightful absorbing excellent wonderful beautiful compelling "
       "riveting touching witty stylish thoughtful memorable powerful elegant refreshing inventive thrilling "
       "heartfelt polished vivid rich sharp fresh funny exciting",
    3: "superb brilliant outstanding magnificent masterful stunning extraordinary breathtaking sublime flawless "
       "phenomenal spectacular dazzling exceptional marvellous glorious transcendent exquisite astonishing "
       "unforgettable perfect remarkable terrific fantastic amazing incredible sensational splendid majestic "
       "triumphant",
}
NEGATIVE = {
    1: "dull flat bland weak uneven forgettable tired clumsy slow thin messy stiff predictable shallow silly "
       "lazy hollow tedious stale mediocre underwhelming drab wooden plodding overlong unfocused generic "
       "lukewarm sloppy muddled",
    2: "bad poor boring disappointing annoying confusing irritating pointless lifeless clichéd ridiculous "
       "grating frustrating soulless tiresome ugly cheap incoherent pretentious joyless laughable unconvincing "
       "painful awkward dreary mindless shoddy bloated contrived vapid",
    3: "terrible awful dreadful horrible atrocious abysmal appalling unbearable unwatchable dire disastrous "
       "horrendous insufferable woeful wretched pathetic abominable excruciating catastrophic rotten miserable "
       "hideous lousy inept nauseating execrable deplorable shambolic torturous worthless",
}
# (base form, past form) of verbs; past for plain clauses, base after "did not".
POSITIVE_VERBS = [("love", "loved"), ("adore", "adored"), ("enjoy", "enjoyed"), ("like", "liked"),
                  ("admire", "admired"), ("relish", "relished"), ("treasure", "treasured"),
                  ("savour", "savoured"), ("appreciate", "appreciated"), ("cherish", "cherished")]
NEGATIVE_VERBS = [("hate", "hated"), ("loathe", "loathed"), ("dislike", "disliked"), ("despise", "despised"),
                  ("detest", "detested"), ("resent", "resented"), ("regret", "regretted"),
                  ("dread", "dreaded"), ("abhor", "abhorred"), ("deplore", "deplored")]
POSITIVE_NOUNS = ["a triumph", "a gem", "a delight", "a masterpiece", "a joy", "a treat", "a marvel", "a revelation"]
NEGATIVE_NOUNS = ["a mess", "a disaster", "a chore", "a bore", "a letdown", "a failure", "a slog", "a travesty"]
INTENSIFIERS = ["very", "really", "truly", "extremely", "remarkably", "incredibly", "thoroughly", "utterly"]
SOFTENERS = ["somewhat", "fairly", "rather", "slightly", "mildly", "moderately", "quite", "a little"]
TOPICS = ["acting", "plot", "music", "soundtrack", "dialogue", "pacing", "ending", "script", "cinematography",
          "direction", "editing", "cast", "characters", "visual effects", "costumes", "score", "story",
          "performances", "humour", "set design", "camera work", "lead performance", "opening", "finale"]
OTHERS = ["my brother", "my sister", "my friend", "a colleague", "my neighbour", "the person next to me",
          "my partner", "a critic I follow", "my father", "my mother", "my roommate", "an old classmate"]
WHEN = ["on a Sunday afternoon", "last night", "on a long flight", "at a small festival", "at home",
        "on a rainy evening", "during a holiday", "after work", "at the local cinema", "on a streaming service"]
WHO = ["my sister", "a few friends", "my parents", "nobody", "my partner", "two colleagues", "my cousin",
       "the whole family", "a neighbour", "my book club"]
PLACES = ["a coastal town", "Lisbon", "a mining village", "New York", "a space station", "rural Ireland",
          "Tokyo", "a boarding school", "a desert outpost", "Vienna", "a fishing boat", "a small hospital"]
ERAS = ["the nineteen fifties", "the winter of a long war", "the present day", "the near future",
        "a single summer", "the eighteenth century", "one long weekend", "the last days of an empire"]
CHARACTERS = ["a retired teacher", "two estranged brothers", "a young chef", "an ageing boxer", "a detective",
              "a family of farmers", "a nurse", "a stranded pilot", "a jazz pianist", "a pair of thieves"]
GOALS = ["tries to rebuild a life", "searches for a missing sister", "plans one last job",
         "returns home after many years", "keeps a dangerous secret", "prepares for a final competition",
         "looks after an injured stranger", "tries to save the family business"]
CREW = ["a first-time director", "a veteran crew", "a small team", "the original writer", "a famous composer",
        "a young editor", "an experienced cinematographer"]
NEUTRAL_NEGATIONS = [
    "I had not read the book before.", "It was not shown in 3D at my cinema.",
    "I did not know anyone in the cast.", "I have never been to {place}.",
    "There is no post-credits scene.", "I did not see the first film in the series.",
    "It is not based on a true story.", "I never check the running time in advance.",
    "We did not stay for the questions afterwards.", "The subtitles were not needed.",
]


PLURAL_TOPICS = {"costumes", "visual effects", "characters", "performances"}


def _was(topic):
    return "were" if topic in PLURAL_TOPICS else "was"


def _words(table):
    return [(w, s) for s, words in table.items() for w in words.split()]


POS_ADJ, NEG_ADJ = _words(POSITIVE), _words(NEGATIVE)


def sentiment_vocabulary() -> dict:
    """{word: (polarity +1/-1, strength 1-3)} for every sentiment word of the grammar (adjectives, verbs, nouns)."""
    vocab = {w: (1, s) for w, s in POS_ADJ}
    vocab.update({w: (-1, s) for w, s in NEG_ADJ})
    for (base, past) in POSITIVE_VERBS:
        vocab[base] = vocab[past] = (1, 2)
    for (base, past) in NEGATIVE_VERBS:
        vocab[base] = vocab[past] = (-1, 2)
    for noun in POSITIVE_NOUNS:
        vocab[noun.split()[-1]] = (1, 2)
    for noun in NEGATIVE_NOUNS:
        vocab[noun.split()[-1]] = (-1, 2)
    return vocab


class _Grammar:
    def __init__(self, rng: random.Random):
        self.r = rng

    def adj(self, polarity):
        return self.r.choice(POS_ADJ if polarity > 0 else NEG_ADJ)[0]

    def modified_adj(self, polarity):
        roll = self.r.random()
        word = self.adj(polarity)
        if roll < 0.25:
            return f"{self.r.choice(INTENSIFIERS)} {word}"
        if roll < 0.4:
            return f"{self.r.choice(SOFTENERS)} {word}"
        return word

    def verb(self, polarity, form):
        base, past = self.r.choice(POSITIVE_VERBS if polarity > 0 else NEGATIVE_VERBS)
        return past if form == "past" else base

    def topic(self):
        return self.r.choice(TOPICS)

    # ---- the reviewer's own opinion clauses (lower-case, no final period) ----
    def clause(self, value, negated=False):
        """A clause whose counted value is ``value``; when negated its sentiment word has polarity -value."""
        word_polarity = -value if negated else value
        kind = self.r.randrange(5)
        t = self.topic()
        if not negated:
            return [
                f"the {t} {_was(t)} {self.modified_adj(word_polarity)}",
                f"I found the {t} {self.modified_adj(word_polarity)}",
                f"I {self.verb(word_polarity, 'past')} the {t}",
                f"the film is {self.r.choice(POSITIVE_NOUNS if word_polarity > 0 else NEGATIVE_NOUNS)}",
                f"the {t} felt {self.modified_adj(word_polarity)} to me",
            ][kind]
        return [
            f"the {t} {_was(t)} not {self.modified_adj(word_polarity)}",
            f"I did not find the {t} {self.adj(word_polarity)}",
            f"I did not {self.verb(word_polarity, 'base')} the {t}",
            f"the film is not {self.r.choice(POSITIVE_NOUNS if word_polarity > 0 else NEGATIVE_NOUNS)}",
            f"nobody could call the {t} {self.adj(word_polarity)}",
        ][kind]

    def attributed(self, polarity):
        """An opinion of someone else: it does not count towards the label."""
        who, t = self.r.choice(OTHERS), self.topic()
        return self.r.choice([
            f"{who.capitalize()} thought the {t} {_was(t)} {self.modified_adj(polarity)}.",
            f"{who.capitalize()} said the {t} {_was(t)} {self.adj(polarity)}.",
            f"Some critics called it {self.adj(polarity)}.",
            f"The trailer made it look {self.adj(polarity)}.",
            f"{who.capitalize()} {self.verb(polarity, 'past')} the {self.topic()}.",
        ])

    def filler(self):
        r = self.r
        return r.choice([
            f"I watched it {r.choice(WHEN)} with {r.choice(WHO)}.",
            f"The film runs about {r.randrange(80, 181)} minutes.",
            f"It is set in {r.choice(PLACES)} during {r.choice(ERAS)}.",
            f"The story follows {r.choice(CHARACTERS)} who {r.choice(GOALS)}.",
            (lambda t: f"The {t} {'come' if t in PLURAL_TOPICS else 'comes'} from {r.choice(CREW)}.")(self.topic()),
            f"There are {r.choice(['two', 'three', 'four', 'five'])} main characters.",
            f"It was released in {r.randrange(1960, 2025)}.",
            r.choice(NEUTRAL_NEGATIONS).format(place=r.choice(PLACES)),
            f"Most of it was filmed in {r.choice(PLACES)}.",
            "I went in knowing only the title.",
        ])

    def fillers(self, low, high):
        return [self.filler() for _ in range(self.r.randint(low, high))]

    # ---- reviews ----
    def plain(self, value):
        opinions = [self.clause(value).capitalize() + "." for _ in range(self.r.randint(1, 3))]
        return self._mix(opinions, self.fillers(1, 4))

    def negation(self, value):
        sentences = [self.clause(value, negated=True).capitalize() + "."]
        if self.r.random() < 0.5:  # scope: a second clause in the same sentence is not negated
            sentences[0] = f"{self.clause(value, negated=True).capitalize()}, and {self.clause(value)}."
        if self.r.random() < 0.3:
            sentences.append(self.clause(value, negated=True).capitalize() + ".")
        return self._mix(sentences, self.fillers(1, 5))

    def contrast(self, value):
        a, b = self.clause(-value), self.clause(value)
        t = self.topic()
        sentence = self.r.choice([
            f"{a.capitalize()}, but {b}.",
            f"Although {a}, {b}.",
            f"Despite the {self.modified_adj(-value)} {t}, {b}.",
            f"{a.capitalize()}; however, {b}.",
        ])
        return self._mix([sentence], self.fillers(1, 5))

    def long_distance(self, value):
        opening = self.r.choice([
            f"Let me give my verdict first: {self.clause(value)}.",
            f"In short, {self.clause(value)}.",
            f"To put it plainly, {self.clause(value)}.",
        ])
        body = self.fillers(16, 36) + [self.attributed(-value) for _ in range(self.r.randint(0, 1))]
        self.r.shuffle(body)
        closing = self.attributed(-value)
        while len(" ".join([opening] + body + [closing]).split()) < 150:
            body.append(self.filler())
        return " ".join([opening] + body + [closing])

    def _mix(self, opinions, fillers):
        sentences = fillers + opinions
        self.r.shuffle(sentences)
        return " ".join(sentences)


def generate_reviews(n: int, seed: int = 0, mix=(0.4, 0.2, 0.2, 0.2)):
    """Generate ``n`` unique reviews: returns (texts, labels, tags) as three lists.

    ``mix`` is the share of each phenomenon in :data:`PHENOMENA` order. Labels are balanced within each
    phenomenon and follow from the grammar's rule (see the module docstring), never from chance.
    """
    if n < 1:
        raise ValueError(f"n must be a positive number of reviews, got {n}")
    if len(mix) != len(PHENOMENA) or abs(sum(mix) - 1) > 1e-9 or min(mix) < 0:
        raise ValueError(f"mix must be {len(PHENOMENA)} non-negative shares summing to 1, got {mix}")
    rng = random.Random(seed)
    grammar = _Grammar(rng)
    makers = {"plain": grammar.plain, "negation": grammar.negation, "contrast": grammar.contrast,
              "long-distance": grammar.long_distance}
    counts = [int(round(share * n)) for share in mix]
    counts[0] += n - sum(counts)
    texts, labels, tags, seen = [], [], [], set()
    for tag, count in zip(PHENOMENA, counts):
        made, attempts = 0, 0
        while made < count:
            attempts += 1
            if attempts > 50 * count + 1000:
                raise RuntimeError(f"could not generate {count} unique {tag} reviews; the grammar is too small")
            label = made % 2
            text = makers[tag](1 if label else -1)
            if text in seen:
                continue
            seen.add(text)
            texts.append(text)
            labels.append(label)
            tags.append(tag)
            made += 1
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order], [tags[i] for i in order]
