"""Synthetic tweet-sentiment data shipped with the course.

The course follows the Hugging Face dataset ``mteb/tweet_sentiment_extraction``
(labels 0 = negative, 1 = neutral, 2 = positive), which cannot be downloaded
offline. This module writes a stand-in with the same schema
(``id``, ``text``, ``label``, ``label_text``) and roughly the same label mix.
Every tweet is synthetic: it is assembled by seeded random choices from small
hand-written word pools and templates in this file, then roughened the way real
tweets are (mentions, hashtags, links, emoji, abbreviations, typos, stray
spaces, one empty text, a few duplicates) and given about 7% label noise.
Hard cases (negation, sarcasm, borderline tweets, neutral texts full of
sentiment words, mild feelings without keywords) keep it from being solvable
by keyword spotting.
The output is deterministic: the same seed always gives byte-identical files.

Run ``python -m finetune_course.shipped_data`` to (re)write
``data/tweets/train.jsonl`` and ``data/tweets/test.jsonl`` next to this file.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data" / "tweets"

LABEL_TEXT = {0: "negative", 1: "neutral", 2: "positive"}
SPLIT_SIZES = {"train": 2400, "test": 600}
# Shares of negative / neutral / positive, close to the real dataset's.
LABEL_SHARES = {0: 0.285, 1: 0.405, 2: 0.31}
NOISE_RATE = 0.07  # share of rows whose text was written for another class
N_DUPLICATES = 3  # exact repeats of earlier train texts, like retweets

# --------------------------------------------------------------------------
# Word pools. A "{slot}" inside any entry is filled from the pool of that name,
# so pools nest (an event can mention a {name} or a {place}).
# --------------------------------------------------------------------------

POOLS = {
    "name": [
        "Sam", "Jess", "Mike", "Priya", "Tom", "Ana", "Leo", "Kate", "Omar",
        "Mia", "Ben", "Zoe", "Raj", "Lucy", "Dan", "Nina", "Chris", "Ella",
        "Jay", "Rosa", "mom", "dad", "my sister", "my boss", "grandma",
    ],
    "place": [
        "the gym", "work", "the mall", "school", "the airport", "the library",
        "my sister's", "the beach", "the dentist", "the office", "the park",
        "the store", "class", "the cinema", "grandma's", "the vet",
        "the train station", "the market", "the cafe on 5th", "the game",
        "the bank", "practice", "church", "the lake", "uni",
    ],
    "time": [
        "today", "tonight", "this morning", "tomorrow", "this weekend",
        "right now", "later", "on friday", "all day", "this afternoon",
        "again", "next week", "at 7", "after lunch", "on sunday",
    ],
    "thing": [
        "the new phone", "my laptop", "the bus", "this weather", "the wifi",
        "my coffee", "the new album", "that show", "the pizza", "my car",
        "the exam", "my new haircut", "these shoes", "the concert",
        "the movie", "the update", "my headphones", "the new cafe",
        "the season finale", "my new job", "the trip", "the playoffs",
        "my essay", "the party", "the new game", "the sequel", "my garden",
    ],
    "title": [
        "Happy Little Lies", "The Worst Night", "Good Times Only",
        "Sad Songs for Summer", "Love in the Kitchen", "Terrible Twins",
        "The Best Laid Plans", "Lucky Me", "Broken Bikes", "Perfect Weather",
        "Crying Wolf", "Hate Mail", "Sunny Side Up", "Bad Luck Bakery",
    ],
    # Adjectives are shared by all three classes: negation, sarcasm and
    # questions put them on the "wrong" side, so they are weak clues alone.
    "good": [
        "good", "great", "amazing", "fun", "nice", "awesome", "worth it",
        "perfect", "lovely", "cool",
    ],
    "bad": [
        "bad", "awful", "terrible", "boring", "a mess", "the worst",
        "annoying", "a disaster", "horrible", "lame",
    ],
    "neg_event": [
        "missed the bus", "my phone died", "the wifi is down again",
        "lost my keys", "spilled coffee all over my shirt",
        "stuck in traffic for an hour", "failed my driving test",
        "my flight got delayed", "{name} cancelled on me",
        "it's raining and i forgot my umbrella", "stubbed my toe",
        "my car won't start", "locked myself out", "burnt dinner",
        "the exam was way harder than i expected", "work keeps piling up",
        "can't sleep", "woke up with a headache", "lost my voice",
        "the concert sold out before i got tickets", "my laptop crashed",
        "got a parking ticket", "{name} is sick", "have to work {time}",
        "the dog ate my sandwich", "the heating broke",
        "{name} forgot to pick me up", "my team lost",
    ],
    "neg_feeling": [
        "so annoyed", "this sucks", "worst day ever", "i hate this", "ugh",
        "feeling awful", "so sad", "hate mondays", "so frustrated",
        "i'm done", "terrible", "so upset", "miserable", "can't deal",
        "ugh why", "fml", "depressing", "i feel sick", "boo", "not ok",
        "so over it", "crying", "why me", "what a mess",
    ],
    "pos_event": [
        "got the job", "passed my exam", "{name} surprised me with cake",
        "the sun is finally out", "beach day with the girls",
        "finished my project early", "found $20 in my old jeans",
        "got tickets to the show", "my team won", "we got a new puppy",
        "spent the day with {name}", "aced the test", "booked the trip",
        "first day of vacation", "the new album is out", "got a raise",
        "made it to the gym", "pancakes for breakfast",
        "the package came early", "{name} is visiting {time}",
        "dinner with {name} was lovely", "got an A on my essay",
        "the garden is blooming", "learned to make bread",
        "{name} picked me up from {place}", "the rain stopped",
    ],
    "pos_feeling": [
        "so happy", "love it", "best day ever", "so excited", "amazing",
        "love you guys", "awesome", "yay", "can't wait", "so proud",
        "loving it", "this is great", "feeling good", "perfect",
        "so much fun", "thank you", "so grateful", "woohoo", "made my day",
        "beautiful", "good times", "so good", "the best",
    ],
    "neu_event": [
        "heading to {place}", "going to {place} {time}",
        "just got back from {place}", "{name} is coming over {time}",
        "need to do laundry", "making dinner", "watching tv", "on the bus",
        "doing homework", "about to go to bed", "waiting for {name}",
        "cleaning my room", "reading a book", "packing for the trip",
        "at {place} with {name}", "eating lunch", "charging my phone",
        "checking emails", "walking the dog", "getting a haircut {time}",
        "picking up {name} from {place}", "working on {thing}",
        "looking for {thing}", "driving to {place}", "stuck on chapter 3",
        "new week, new schedule", "meeting {name} at {place}",
    ],
    # Background that any tweet may carry; it says nothing about the mood.
    "context": [
        "{time} {name} and i went to {place}", "{neu_event}",
        "was at {place} all afternoon", "after {place} {time}",
        "{name} was there too", "on my way to {place}",
        "just talked to {name} about {thing}", "first time at {place} in ages",
        "{time} at {place}", "{name} keeps asking about {thing}",
        "spent the afternoon at {place}", "still thinking about {thing}",
    ],
}

# --------------------------------------------------------------------------
# Templates per class, grouped by kind. Plain kinds carry obvious sentiment
# words; the other kinds are the hard cases that keyword spotting gets wrong.
# --------------------------------------------------------------------------

# Borderline tweets that annotators could fairly call either of two classes.
# They sit in both classes' templates, as they do in real labelled data.
MEH_OR_BAD = [
    "dentist {time}", "monday again", "so tired", "long day at {place}",
    "{name} didn't text back", "so {thing} happened", "need coffee",
    "rain {time}", "back to school tomorrow", "it's cold at {place}",
    "last day of vacation", "{name} is leaving {time}", "work {time}, then {place}",
]
MEH_OR_GOOD = [
    "{name} says hi", "weekend {time}", "finally friday", "home at last",
    "{thing} was ok", "ice cream {time}", "off to {place} with {name}",
    "first day at {place} {time}", "the sun is out at {place}", "pizza night",
    "just woke up from a nap", "{name} got me {thing}",
]

TEMPLATES = {
    0: {  # negative
        "plain": [
            "{neg_event}. {neg_feeling}", "{neg_feeling}, {neg_event}",
            "{neg_event} {time}... {neg_feeling}",
            "{neg_event} and {neg_event}. {neg_feeling}",
            "{neg_feeling}. {name} and i were going to {place} but {neg_event}",
            "i really miss {name}", "{thing} is {bad}", "{thing} was {bad}",
            "{neg_event}, now i have to go to {place} {time}",
            "why is {thing} always so {bad}?", "can {time} be over already?",
            "is it just me or is {thing} {bad} {time}?",
            "{name} says i'm overreacting but {thing} was {bad}",
        ],
        "negation": [
            "not happy with {thing}", "{thing} wasn't {good}",
            "not a {good} start to the day", "{thing} is not {good} at all",
            "i don't love {thing} anymore", "not feeling {good} {time}",
            "no fun at all", "not looking forward to {place} {time}",
            "{thing} was not {good}", "can't say {thing} was {good}",
            "nothing is going right {time}", "never going back to {place}",
            "{thing} was never {good}, not even once",
        ],
        "sarcasm": [
            "great, another monday", "oh {good}, {neg_event}",
            "just what i needed {time}... {neg_event}",
            "love it when {neg_event}", "wonderful. {neg_event}",
            "yay {neg_event}. {good}", "thanks a lot {name}, really",
            "best. day. ever. {neg_event}", "fantastic start to the week",
            "so glad i went to {place} for nothing",
            "{neg_event}. {good}. just {good}",
        ],
        "mixed": [
            "{thing} was {good} but {neg_event}",
            "{good} food, {bad} service at {place}",
            "nice weather and i'm stuck at {place} {time}",
            "{pos_event}, but then {neg_event}",
            "thought {thing} would be {good}. it was {bad}",
            "{pos_event}... too bad {neg_event}",
            "everyone says {thing} is {good}. it's {bad}",
        ],
        "mild": [
            "still waiting for {thing} after 2 hours",
            "{name} left without me", "phone at 2% and no charger",
            "third time {thing} broke this week", "{name} didn't even call",
            "back at {place} again {time}...",
            "{time} was supposed to be my day off",
            "everyone went to the party except me",
            "they forgot my order again", "been on hold for 45 minutes",
            "{neg_event}", "{neg_event} {time}",
            "the last bus left without me", "{name} moved away {time}",
        ],
        "borderline": MEH_OR_BAD,
    },
    1: {  # neutral
        "plain": [
            "{neu_event}", "{neu_event} {time}", "{neu_event}, then {neu_event}",
            "{neu_event}. {name} is at {place}", "{neu_event} with {name}",
            "{time}: {neu_event}", "anyone at {place} {time}?",
            "what time does {place} close?", "{name} just texted me",
            "{name}, call me when you're at {place}",
        ],
        "keywords": [
            "is {thing} any good?", "is the new cafe on main st any good?",
            "anyone know if {thing} is worth it?",
            "does anyone else hate {thing} or just {name}?",
            "are you happy with {thing}?", "is {thing} {good} or {bad}?",
            "was {thing} {good} or {bad}? deciding whether to go",
            "should i get {thing}? heard mixed things",
            "watching '{title}' {time}", "{name} wants to see '{title}' {time}",
            "reading '{title}' for class", "has anyone seen '{title}'?",
            "the sad part of town has a new bus stop",
            "Happy Valley road is closed {time}",
            "good morning, heading to {place}", "good night everyone",
            "{name} says {thing} is {bad}, haven't tried it yet",
            "{name} thinks {thing} is {good}, will find out {time}",
            "{name} loves {thing}, no idea why", "happy hour is at 5 at {place}",
            "the forecast says bad storms {time}",
            "i'll let you know if {thing} is {good}",
            "the worst part of the drive is the bridge",
            "{name} asked if i was upset. i'm not, just tired",
            "if {thing} is {bad} we can go to {place} instead",
            "how do you say '{pos_feeling}' in spanish?",
            "what does '{neg_feeling}' even mean", "{thing}: {good} or {bad}? discuss",
            "new episode of the podcast is called '{neg_feeling}'",
            "{name}'s band is playing '{pos_feeling}' at {place} {time}",
            "the {good} news: {place} opens at 9. the {bad} news: it's a 40 min walk",
            "reviewing {thing} {time}, will post if it's {good} or {bad}",
            "did you hear what happened with {thing}?",
            "did {name} tell you about {thing}?",
            "{name} asked me to rate {thing} from {bad} to {good}",
        ],
        "mixed": [
            "not sure how i feel about {thing}",
            "{thing} is fine, nothing special", "meh. {neu_event}",
            "some good news, some bad news. {neu_event}",
            "{name} says hi", "so {thing} happened",
            "{pos_event}, {neg_event}. normal day",
        ],
        "borderline": MEH_OR_BAD + MEH_OR_GOOD,
    },
    2: {  # positive
        "plain": [
            "{pos_event}! {pos_feeling}", "{pos_feeling}, {pos_event}",
            "{pos_event} {time}. {pos_feeling}",
            "{pos_event} and {pos_event}. {pos_feeling}",
            "{pos_feeling}. {name} and i are going to {place} {time}",
            "happy birthday {name}!", "{thing} is so {good}",
            "i love {thing}", "thanks {name}, {pos_feeling}",
            "{thing} was {good}",
            "how is {thing} this {good}?",
            "who else is going to {place} {time}? can't wait",
            "{name} says {thing} is {good} and i agree",
        ],
        "negation": [
            "not bad at all", "can't complain", "never been better",
            "no complaints here", "{thing} wasn't {bad}", "couldn't be happier",
            "not sad anymore", "didn't expect {thing} to be this {good}",
            "nothing can ruin my mood {time}", "can't stop smiling",
            "not even tired after {place}", "no regrets", "no worries at all",
            "{thing} was not {bad} at all", "{thing} is never {bad} with {name}",
        ],
        "mild": [
            "finally home after 12 hours", "they remembered my birthday",
            "{name} brought me coffee", "slept 10 hours straight",
            "{name} called just to say hi", "found the last slice of pizza",
            "day off {time}", "fresh sheets and a long nap",
            "the bus was actually on time", "finished the whole book in one day",
            "got the window seat", "{pos_event}", "{pos_event} {time}",
            "{name} fixed {thing} for me", "{thing} finally arrived",
        ],
        "mixed": [
            "tired but so worth it", "long day but {name} made it better",
            "the exam was hard but i think i passed",
            "rain all day but cozy with a book",
            "{neg_event}, but {pos_event} so whatever",
            "thought {thing} would be {bad}. it was {good}",
            "{neg_event}... but then {pos_event}",
            "everyone says {thing} is {bad}. it's {good}",
        ],
        "borderline": MEH_OR_GOOD,
    },
}

# How often each kind is picked within a class.
KIND_WEIGHTS = {
    0: {"plain": 24, "negation": 17, "sarcasm": 11, "mixed": 16, "mild": 24,
        "borderline": 8},
    1: {"plain": 38, "keywords": 38, "mixed": 14, "borderline": 10},
    2: {"plain": 24, "negation": 17, "mild": 31, "mixed": 20, "borderline": 8},
}

# Shared openers and closers; some lean towards a class, most do not.
OPENERS = [
    "omg", "lol", "ok so", "well", "so", "honestly", "haha", "hey", "wow",
    "man", "ugh", "yay", "hmm", "ok", "oh",
]
CLOSERS = {
    0: ["smh", "...", "!!", "lol", "seriously", "again", "whatever"],
    1: ["lol", "...", "brb", "ttyl", "text me", "we'll see", "just saying",
        "anyway", "haha", "?"],
    2: ["!!", "lol", "haha", "xoxo", "!!!", "hehe", "anyway"],
}
EMOJI = {
    0: ["😢", "😭", "😞", "😡", "🙄", "😩", "💔", "😒", "👎", "😤",
        ":(", ":'(", ":/", ">:("],
    1: ["🤔", "👀", "😂", "☕", "🚌", "📚", "🙃", "😅", "🤷", ":P", ":)"],
    2: ["😊", "😀", "😍", "❤️", "🥰", "🎉", "😎", "👍", "🙌", "✨",
        ":)", ":D", ";)", "<3"],
}
HASHTAGS = {
    0: ["#fail", "#mondays", "#fml", "#sad", "#ugh", "#worstdayever"],
    1: ["#nowplaying", "#tbt", "#work", "#school", "#news", "#weekend",
        "#coffee", "#music", "#travel", "#tired"],
    2: ["#blessed", "#happy", "#winning", "#goodvibes", "#love", "#friday"],
}
HANDLES = [
    "sammyb", "jess_xo", "mikeyboy", "priya_k", "the_real_tom", "anaaa",
    "leo1992", "katiekat", "omar_r", "miamia", "benji", "zoe_loves_tea",
    "raj_p", "lucy_in_town", "dannyd", "nina_n", "chrisxp", "ella_bella",
    "jaybird", "rosa_m", "coffee_addict", "gamer_gal", "music4life",
    "bookworm88", "k_dawg", "xo_steph", "busdriver_bob", "plant_mom",
]
URL_HOSTS = ["pics.example.com", "link.example.net", "blog.example.org"]

# Texting shorthand, applied to whole words.
ABBREVIATIONS = {
    "you": "u", "your": "ur", "today": "2day", "tonight": "2nite",
    "tomorrow": "2moro", "going to": "gonna", "want to": "wanna",
    "because": "cuz", "please": "pls", "really": "rly", "great": "gr8",
    "love": "luv", "thanks": "thx", "people": "ppl", "see you": "cu",
    "oh my god": "omg", "for": "4", "to be honest": "tbh",
}
ABBREVIATION_RE = re.compile(r"\b(" + "|".join(ABBREVIATIONS) + r")\b")
SLOT_RE = re.compile(r"\{(\w+)\}")


def fill(template: str, rng: random.Random) -> str:
    """Replace each {slot} with a random pool entry, recursively."""
    def pick(match: re.Match) -> str:
        return fill(rng.choice(POOLS[match.group(1)]), rng)

    return SLOT_RE.sub(pick, template)


def join(first: str, second: str, rng: random.Random) -> str:
    """Glue two clauses like a hurried typist would."""
    if first.endswith(("?", "!", ".")):
        return f"{first} {second}"
    return first + rng.choice([". ", ", ", "... ", " - ", " "]) + second


def compose(label: int, rng: random.Random) -> str:
    """Write the core of one tweet for a class: template plus optional extras."""
    kinds = KIND_WEIGHTS[label]
    kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
    text = fill(rng.choice(TEMPLATES[label][kind]), rng)
    if rng.random() < 0.25:
        text = f"{rng.choice(OPENERS)} {text}"
    # Background that carries no mood, sometimes twice for a long ramble.
    for chance in (0.65, 0.25, 0.06):
        if rng.random() < chance:
            context = fill("{context}", rng)
            if rng.random() < 0.5:
                text = join(context, text, rng)
            else:
                text = join(text, context, rng)
    if rng.random() < 0.30:
        text = f"{text} {rng.choice(CLOSERS[label])}"
    return text


def add_typo(text: str, rng: random.Random) -> str:
    """Swap, drop or double one letter in a longer word."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 4]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w, k = words[i], rng.randrange(1, len(words[i]) - 1)
    words[i] = rng.choice([
        w[:k] + w[k + 1] + w[k] + w[k + 2:],  # swap two letters
        w[:k] + w[k + 1:],                     # drop one
        w[:k] + w[k] + w[k:],                  # double one
    ])
    return " ".join(words)


def change_case(text: str, rng: random.Random) -> str:
    """Mix casing the way people type: mostly as is, sometimes shouted."""
    r = rng.random()
    if r < 0.25:
        return text[:1].upper() + text[1:]
    if r < 0.33:
        return text.lower()
    if r < 0.38:
        words = text.split(" ")
        i = rng.randrange(len(words))
        words[i] = words[i].upper()
        return " ".join(words)
    if r < 0.40:
        return text.upper()
    return text


def roughen(text: str, label: int, rng: random.Random) -> str:
    """Add the noise real tweets have: shorthand, typos, @, #, links, emoji."""
    if rng.random() < 0.30:
        text = ABBREVIATION_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], text)
    if rng.random() < 0.05:  # stretch a word: sooo, ugh -> ughhh
        text = re.sub(r"\b(so|no|ugh|yay|love|please)\b",
                      lambda m: m.group(1) + m.group(1)[-1] * rng.randint(2, 4),
                      text, count=1)
    if rng.random() < 0.08:
        text = add_typo(text, rng)
    text = change_case(text, rng)

    if rng.random() < 0.20:
        handle = "@" + rng.choice(HANDLES)
        # Most mentions are replies (handle first); some tag a friend later.
        text = f"{handle} {text}" if rng.random() < 0.7 else f"{text} {handle}"
    if rng.random() < 0.08:
        # Emoji mostly match the feeling, but not always.
        mood = label if rng.random() < 0.75 else rng.choice([0, 1, 2])
        emoji = rng.choice(EMOJI[mood]) * rng.choice([1, 1, 1, 2, 3])
        text = f"{text} {emoji}"
    if rng.random() < 0.08:
        mood = label if rng.random() < 0.5 else 1
        text = f"{text} {rng.choice(HASHTAGS[mood])}"
    if rng.random() < 0.05:
        scheme = rng.choice(["http", "https"])
        code = "".join(rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=6))
        text = f"{text} {scheme}://{rng.choice(URL_HOSTS)}/{code}"
    if rng.random() < 0.10:
        text = rng.choice([
            lambda t: " " + t,                  # leading space
            lambda t: t + " ",                  # trailing space
            lambda t: t.replace(" ", "  ", 1),  # double space
        ])(text)
    return text


def make_id(split: str, index: int) -> str:
    """Stable 10-hex-char id from the split name and row number."""
    return hashlib.sha1(f"{split}-{index}".encode()).hexdigest()[:10]


def split_labels(n: int, rng: random.Random) -> list[int]:
    """Exact label counts from LABEL_SHARES, in random order."""
    counts = {label: round(n * share) for label, share in LABEL_SHARES.items()}
    counts[1] += n - sum(counts.values())  # rounding leftovers go to neutral
    labels = [label for label, c in counts.items() for _ in range(c)]
    rng.shuffle(labels)
    return labels


def generate(seed: int = 0) -> dict[str, list[dict]]:
    """Build both splits. Texts are unique across splits except on purpose."""
    rng = random.Random(seed)
    seen: set[str] = set()
    splits: dict[str, list[dict]] = {}
    for split, n in SPLIT_SIZES.items():
        labels = split_labels(n, rng)
        # Label noise: these rows get text written for another class.
        noisy = set(rng.sample(range(n), round(n * NOISE_RATE)))
        rows = []
        for i, label in enumerate(labels):
            source = label
            if i in noisy:
                source = rng.choice([c for c in LABEL_TEXT if c != label])
            for _ in range(100):  # retry until the text is new
                text = roughen(compose(source, rng), source, rng)
                if text not in seen:
                    break
            seen.add(text)
            rows.append({"id": make_id(split, i), "text": text,
                         "label": label, "label_text": LABEL_TEXT[label]})
        splits[split] = rows

    # The real data has one empty tweet and a few exact repeats; copy that.
    train = splits["train"]
    neutral_rows = [i for i, r in enumerate(train) if r["label"] == 1]
    train[rng.choice(neutral_rows)]["text"] = ""
    used = {i for i, r in enumerate(train) if not r["text"]}
    for _ in range(N_DUPLICATES):
        src = rng.choice([i for i in range(len(train)) if i not in used])
        # Copy onto a row of the same class so the label shares stay put.
        dst = rng.choice([i for i, r in enumerate(train) if i not in used | {src}
                          and r["label"] == train[src]["label"]])
        train[dst]["text"] = train[src]["text"]
        used |= {src, dst}
    return splits


def write(folder: Path = DATA_DIR) -> None:
    """Write train.jsonl and test.jsonl (UTF-8, one JSON object a line)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in generate().items():
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        # Bytes, not text mode, so line endings are "\n" on every platform.
        (folder / f"{split}.jsonl").write_bytes(lines.encode("utf-8"))


if __name__ == "__main__":
    write(DATA_DIR)
    print(f"wrote {', '.join(f'{s}.jsonl' for s in SPLIT_SIZES)} to {DATA_DIR}")
