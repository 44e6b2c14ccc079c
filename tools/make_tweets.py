"""Synthetic tweet-sentiment data shipped with the course.

The course follows the Hugging Face dataset ``mteb/tweet_sentiment_extraction``
(labels 0 = negative, 1 = neutral, 2 = positive), which cannot be downloaded
offline. This module writes a stand-in with the same schema
(``id``, ``text``, ``label``, ``label_text``) and roughly the same label mix
(about 28.5% negative, 40.5% neutral, 31% positive).

Every tweet is synthetic; none comes from a real person. Each one is assembled
by seeded random choices from the hand-written word pools and templates in this
file: a core sentence written for one class, sometimes with an opener ("omg"),
a mood-free aside ("don't ask"), a second sentence or a closer ("smh"). Time
words come from pools split by tense (past, now, future), so a tweet never
says "tomorrow" and "went" in one sentence. The texts are then roughened the
way real tweets are: mentions, hashtags, links, emoji, abbreviations, typos,
stray spaces, one empty text and a few exact duplicates in train.

Templates are grouped by kind (see ``KINDS``). Besides the plain kind, the
hard kinds (negation, sarcasm, mixed feelings, mild feelings without sentiment
words, neutral texts full of sentiment words, borderline tweets) make
counting sentiment words go wrong. Train and test come from the same
templates, so a model trained here meets familiar patterns in test: its
scores say little about real tweets.

Label noise: about ``NOISE_RATE`` (7%) of the rows carry a label other than the
class their text was written for, as human labels do.

Each split comes with a side file of hidden facts, one line per row in the
same order: ``{"id", "kind", "flipped", "written_as"}``. ``written_as`` is the
class the text was written for and ``flipped`` is true where label noise
gave the row another label. The model never sees these files; the course uses
them to look at what kind of tweet a model gets wrong.

The output is deterministic: the same seed always gives byte-identical files.
Run ``python tools/make_tweets.py`` to (re)write
``data/tweets/{train,test}.jsonl`` and ``data/tweets/{train,test}_facts.jsonl``
next to this file and print ``summary()``.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "finetune_course" / "data" / "tweets"

LABEL_TEXT = {0: "negative", 1: "neutral", 2: "positive"}
SPLIT_SIZES = {"train": 2400, "test": 600}
# Shares of negative / neutral / positive, close to the real dataset's.
LABEL_SHARES = {0: 0.285, 1: 0.405, 2: 0.31}
NOISE_RATE = 0.07  # share of rows labelled as another class than written for
N_DUPLICATES = 3  # exact repeats of earlier train texts, like retweets

# The kind of each text, as recorded in the facts files.
KINDS = {
    "plain": "the feeling is said outright with ordinary sentiment words",
    "negation": "a negated sentiment word points the other way (not bad, wasn't great)",
    "sarcasm": "praise words for something bad (great, another monday)",
    "mixed": "good and bad in one tweet; one side wins, or for neutral they balance",
    "mild": "the feeling shows only in what happened, no sentiment words",
    "keywords": "neutral text full of sentiment words (questions, titles, quotes)",
    "borderline": "'meh' tweets that could fairly be called neutral or the other class",
    "empty": "the one empty text in train, kept with the label it was generated for",
    "duplicate": "an exact copy of an earlier train text, like a retweet",
}

# --------------------------------------------------------------------------
# Word pools. A "{slot}" inside any entry is filled from the pool of that name,
# so pools nest (an event can mention a {name} or a {place}).
#
# Tense rule: time words live in three pools (past_time, now_time,
# future_time) and events in three tenses (*_past, *_now, *_next). A sentence
# only combines a time word with events of the same tense; *_next events carry
# their own future time word and never share a sentence with a past event.
# --------------------------------------------------------------------------

POOLS = {
    "name": [
        "Sam", "Jess", "Mike", "Priya", "Tom", "Ana", "Leo", "Kate", "Omar",
        "Mia", "Ben", "Zoe", "Raj", "Lucy", "Dan", "Nina", "Chris", "Ella",
        "Jay", "Rosa", "Hugo", "Amara", "Finn", "Yuki", "Carlos", "Tess",
        "mom", "dad", "my sister", "my brother", "my boss", "grandma",
        "my roommate", "the neighbour",
    ],
    "place": [
        "the gym", "work", "the mall", "school", "the airport", "the library",
        "my sister's", "the beach", "the dentist", "the office", "the park",
        "the store", "class", "the cinema", "grandma's", "the vet",
        "the train station", "the market", "the cafe on 5th", "the game",
        "the bank", "practice", "church", "the lake", "uni", "the pool",
        "the post office", "ikea", "the laundromat", "my cousin's",
    ],
    # Words that sit with a past verb: "lost my keys yesterday".
    "past_time": [
        "yesterday", "last night", "this morning", "earlier", "last week",
        "over the weekend", "the other day", "at lunch", "on saturday",
        "today",
    ],
    # Words that sit with the present: "stuck in traffic right now".
    "now_time": [
        "right now", "today", "all day", "again", "this morning",
        "at the moment", "rn", "this week",
    ],
    # Words that sit with plans: "dentist tomorrow".
    "future_time": [
        "tomorrow", "tonight", "later", "next week", "this weekend",
        "on friday", "at 7", "after lunch", "on sunday", "in an hour",
        "after work", "next month",
    ],
    "thing": [
        "the new phone", "my laptop", "the bus", "this weather", "the wifi",
        "my coffee", "the new album", "that show", "the pizza", "my car",
        "the exam", "my new haircut", "these shoes", "the concert",
        "the movie", "the update", "my headphones", "the new cafe",
        "the season finale", "my new job", "the trip", "the playoffs",
        "my essay", "the party", "the new game", "the sequel", "my garden",
        "the book club pick", "the new menu", "my bike", "the hotel",
        "the group project", "the tacos", "this playlist",
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
    # The ones that also fit before a noun or after "so": "a nice day".
    "good_adj": [
        "good", "great", "amazing", "fun", "nice", "awesome", "perfect",
        "lovely", "cool",
    ],
    "bad_adj": [
        "bad", "awful", "terrible", "boring", "annoying", "horrible", "lame",
    ],
    # Events without a time word; tense-free templates use these two.
    "neg_event": ["{neg_past}", "{neg_now}"],
    "pos_event": ["{pos_past}", "{pos_now}"],
    "neu_event": ["{neu_past}", "{neu_now}"],
    "neg_past": [
        "missed the bus", "my phone died", "lost my keys",
        "spilled coffee all over my shirt", "failed my driving test",
        "my flight got delayed", "{name} cancelled on me", "stubbed my toe",
        "locked myself out", "burnt dinner", "my laptop crashed",
        "the exam was way harder than i expected", "got a parking ticket",
        "the dog ate my sandwich", "{name} forgot to pick me up",
        "my team lost", "dropped my phone in the sink",
        "slept through my alarm", "missed the last train",
        "got soaked walking to {place}", "{name} ate my leftovers",
        "paid $9 for a sandwich", "broke my glasses", "got a flat tire",
        "the concert sold out before i got tickets",
        "tripped in front of everyone at {place}", "lost my wallet at {place}",
        "my order never showed up", "waited 40 minutes for {name}",
        "lost my voice", "woke up with a headache",
    ],
    "neg_now": [
        "the wifi is down again", "can't sleep", "my car won't start",
        "stuck in traffic", "work keeps piling up", "{name} is sick",
        "my head hurts", "the heating is broken", "my back hurts",
        "the neighbours are drilling", "my laptop keeps crashing",
        "everything is closed", "my phone is at 1%", "out of coffee",
        "can't find my charger", "still no hot water",
        "the line at {place} is huge", "{name} won't stop complaining",
        "my allergies are killing me", "the bus is late again",
        "it's raining and i forgot my umbrella",
    ],
    "neg_next": [
        "have to work {future_time}", "dentist {future_time}",
        "exam {future_time} and i haven't studied",
        "{name} is leaving {future_time}", "early shift {future_time}",
        "{name} moves away {future_time}", "back to {place} {future_time}",
        "have to redo my essay {future_time}",
        "rain all day {future_time} apparently",
    ],
    "pos_past": [
        "got the job", "passed my exam", "{name} surprised me with cake",
        "finished my project early", "found $20 in my old jeans",
        "got tickets to the show", "my team won", "we got a new puppy",
        "spent the day with {name}", "aced the test", "booked the trip",
        "got a raise", "made it to the gym", "the package came early",
        "dinner with {name} was lovely", "got an A on my essay",
        "learned to make bread", "{name} picked me up from {place}",
        "the rain stopped", "ran my first 5k", "won the pub quiz",
        "the interview went well", "caught the sunset at {place}",
        "got the last table at {place}", "my plants survived the winter",
        "{name} finally said yes",
    ],
    "pos_now": [
        "the sun is finally out", "first day of vacation",
        "the new album is out", "pancakes for breakfast",
        "the garden is blooming", "{name} is here", "snow day",
        "sitting in the sun with {name}", "fresh coffee and no plans",
        "the house smells like cookies", "my favourite song is on",
        "payday", "everyone is home for once", "{name} is back",
    ],
    "pos_next": [
        "{name} is visiting {future_time}", "beach trip {future_time}",
        "concert {future_time}", "day off {future_time}",
        "vacation starts {future_time}", "pizza with {name} {future_time}",
        "{name}'s wedding is {future_time}", "road trip {future_time}",
        "seeing '{title}' {future_time}",
    ],
    "neu_past": [
        "just got back from {place}", "went to {place} with {name}",
        "had lunch at {place}", "{name} called", "finished the laundry",
        "walked the dog", "did the grocery run", "got a haircut",
        "picked up {name} from {place}", "watched '{title}'",
        "read the first chapter", "fixed the shelf", "returned the library books",
    ],
    "neu_now": [
        "heading to {place}", "need to do laundry", "making dinner",
        "watching tv", "on the bus", "doing homework",
        "about to go to bed", "waiting for {name}", "cleaning my room",
        "reading a book", "packing for the trip", "at {place} with {name}",
        "eating lunch", "charging my phone", "checking emails",
        "working on {thing}", "looking for {thing}", "driving to {place}",
        "stuck on chapter 3", "meeting {name} at {place}", "folding laundry",
        "in line at {place}", "on the phone with {name}", "printing my notes",
        "sitting at {place}", "ironing a shirt",
    ],
    "neu_next": [
        "going to {place} {future_time}", "{name} is coming over {future_time}",
        "getting a haircut {future_time}", "meeting {name} {future_time}",
        "moving my desk {future_time}", "groceries {future_time}",
        "heading to {place} {future_time}", "{name} flies in {future_time}",
    ],
    "neg_feeling": [
        "so annoyed", "this sucks", "worst day ever", "i hate this", "ugh",
        "feeling awful", "so sad", "hate mondays", "so frustrated",
        "i'm done", "terrible", "so upset", "miserable", "can't deal",
        "ugh why", "fml", "depressing", "i feel sick", "boo", "not ok",
        "so over it", "crying", "why me", "what a mess",
    ],
    "pos_feeling": [
        "so happy", "love it", "best day ever", "so excited", "amazing",
        "love you guys", "awesome", "yay", "so proud",
        "loving it", "this is great", "feeling good", "perfect",
        "so much fun", "thank you", "so grateful", "woohoo", "made my day",
        "beautiful", "good times", "so good", "the best",
    ],
    # Asides any tweet may carry. They say nothing about the mood and hold
    # no time word or tense marker, so they fit next to any sentence. Many
    # different ones, each used rarely, so no phrase repeats across the data.
    "aside": [
        "anyway", "don't ask", "long story", "just saying", "thoughts?",
        "if you know you know", "not that anyone asked", "for the record",
        "as usual", "classic {name}", "true story", "it is what it is",
        "whatever that means", "i guess", "apparently", "fyi", "oh well",
        "sorry for the spam", "three coffees in", "you know the drill",
        "anyone else?", "same as always", "and so it goes", "or whatever",
        "help", "i have thoughts", "currently at {place}", "on the bus rn",
        "typing this from {place}", "sent from my phone", "update: nothing",
        "{name} agrees", "ask {name}", "my cat agrees",
        "my dog is judging me", "the cat is watching me type this",
        "someone tell {name}", "hi twitter", "morning all", "evening all",
        "it's 2am", "who's up", "is it friday yet", "my phone is at 10%",
        "wearing mismatched socks", "eating cereal for dinner",
        "the neighbours are mowing", "listening to '{title}'",
        "{name} if you're reading this, hi", "not sure why i'm posting this",
        "every single time", "this is my life now", "someone explain the offside rule to me",
        "{name} and i have questions",
        "in other news, {name} got a cat", "no context", "that's the tweet",
        "need a nap", "brain is fried", "can't feel my feet",
        "half asleep", "hungry", "it's so quiet here", "so much to do",
        "where are my glasses", "call me {name}", "new phone who dis",
        "kind of", "ngl", "idk", "in case anyone wonders",
        "first tweet in forever", "this app though", "plot twist",
    ],
}

# --------------------------------------------------------------------------
# Templates per class, grouped by kind (the keys of KINDS). Plain kinds carry
# obvious sentiment words; the other kinds are the hard cases that keyword
# spotting gets wrong. Time slots follow the tense rule above.
# --------------------------------------------------------------------------

# Borderline tweets that annotators could fairly call either of two classes.
# They sit in both classes' templates, as they do in real labelled data.
MEH_OR_BAD = [
    "dentist {future_time}", "monday again", "so tired", "long day at {place}",
    "{name} didn't text back", "so {thing} happened", "need coffee",
    "rain {future_time}", "back to school tomorrow", "it's cold at {place}",
    "last day of vacation", "{name} is leaving {future_time}",
    "work {future_time}, then {place}", "another meeting", "10 emails since lunch",
    "the bus is full", "cold pizza for breakfast",
]
MEH_OR_GOOD = [
    "{name} says hi", "weekend plans: {place}", "finally friday", "home at last",
    "{thing} was ok", "ice cream {future_time}", "off to {place} with {name}",
    "first day at {place} {future_time}", "the sun is out at last",
    "pizza night", "just woke up from a nap", "{name} got me {thing}",
    "new shoes", "long weekend", "{thing} is alright i guess",
]

TEMPLATES = {
    0: {  # negative
        "plain": [
            "{neg_event}. {neg_feeling}", "{neg_feeling}, {neg_event}",
            "{neg_past} {past_time}... {neg_feeling}",
            "{neg_now} {now_time}. {neg_feeling}",
            "{neg_past} and {neg_past}. {neg_feeling}",
            "{neg_feeling}. {name} and i were supposed to go to {place} but {neg_past}",
            "i really miss {name}", "{thing} is {bad}", "{thing} was {bad}",
            "{neg_event}. now i have to go to {place} {future_time}",
            "why is {thing} always so {bad_adj}?", "can {now_time} be over already?",
            "is it just me or is {thing} {bad} {now_time}?",
            "{name} says i'm overreacting but {thing} was {bad}",
            "{neg_feeling}", "{neg_next}. {neg_feeling}",
            "i hate {thing}", "{thing} ruined my day",
            "{thing}, worst ever", "hate it when {neg_now}",
            "{neg_past}. {neg_feeling} {neg_feeling}",
            "honestly {thing} is so {bad_adj}", "{thing} {now_time}... {bad}",
            "so sad about {thing}", "{name} why would you do that",
            "{neg_past} {past_time} and then {neg_past} on the way home. {neg_feeling}",
            "i was so looking forward to {thing} and it was {bad}. {neg_feeling}",
            "can someone tell me why {thing} is always {bad} when i actually need it",
            "{neg_now} and {name} thinks it's funny. it's not. {neg_feeling}",
        ],
        "negation": [
            "not happy with {thing}", "{thing} wasn't {good}",
            "not the {good_adj} start i wanted", "{thing} is not {good} at all",
            "i don't love {thing} anymore", "not feeling {good_adj} {now_time}",
            "no fun at all", "not looking forward to {place} {future_time}",
            "{thing} was not {good}", "can't say {thing} was {good}",
            "nothing is going right {now_time}", "never going back to {place}",
            "{thing} was never {good}, not even once",
            "not ok with {thing}", "{thing} didn't work. again",
            "no one showed up", "not my day", "nobody told me {neg_past}",
            "i can't with {thing} anymore", "didn't sleep at all",
            "not {good_adj}, {name}. not {good_adj}",
        ],
        "sarcasm": [
            "great, another monday", "oh {good_adj}, {neg_event}",
            "just what i needed {now_time}... {neg_now}",
            "love it when {neg_now}", "wonderful. {neg_past}",
            "yay {neg_event}. {good_adj}", "thanks a lot {name}, really",
            "best. day. ever. {neg_past}", "fantastic start to the week",
            "so glad i went to {place} for nothing",
            "{neg_event}. {good_adj}. just {good_adj}", "oh joy, {neg_next}",
            "love that for me", "{neg_past}. living the dream",
            "cool cool cool. {neg_now}", "my favourite thing: {neg_now}",
            "nothing says friday like {neg_now}",
            "wow {thing} is sooo {good_adj}. not",
        ],
        "mixed": [
            "{thing} was {good} but {neg_past}",
            "{good_adj} food, {bad_adj} service at {place}",
            "nice weather and i'm stuck at {place} {now_time}",
            "{pos_past}, but then {neg_past}",
            "thought {thing} would be {good}. it was {bad}",
            "{pos_event}... too bad {neg_event}",
            "everyone says {thing} is {good}. it's {bad}",
            "the view is {good}, the wifi is {bad}",
            "{pos_now} but {neg_now}. mostly {bad}",
            "{thing} started {good_adj} and ended {bad_adj}",
        ],
        "mild": [
            "still waiting for {thing} after 2 hours",
            "{name} left without me", "phone at 2% and no charger",
            "third time {thing} broke this week", "{name} didn't even call",
            "back at {place} again {now_time}...",
            "{past_time} was supposed to be my day off",
            "everyone went to the party except me",
            "they forgot my order again", "been on hold for 45 minutes",
            "{neg_event}", "{neg_past} {past_time}", "{neg_now} {now_time}",
            "{neg_next}", "the last bus left without me",
            "{name} moved away {past_time}", "another hour in this line",
            "been sick all week", "{name} read my message and said nothing",
            "the one day i leave my umbrella at home", "4 hours of sleep",
            "only 2 people came to my party", "my phone is cracked again",
            "{neg_past} and it's only 9am",
            "cleaned the whole flat and {name} walked in with muddy shoes",
            "paid for the full year and {thing} stopped working after a week",
            "{name} said they'd be here at 6. it's 8",
        ],
        "borderline": MEH_OR_BAD,
    },
    1: {  # neutral
        "plain": [
            "{neu_event}", "{neu_past} {past_time}", "{neu_now} {now_time}",
            "{neu_next}", "{neu_now}, then {neu_now}",
            "{neu_event}. {name} is at {place}", "{neu_now} with {name}",
            "{now_time}: {neu_now}", "anyone at {place} {now_time}?",
            "what time does {place} close?", "{name} just texted me",
            "{name}, call me when you're at {place}", "{neu_past}. {neu_next}",
            "does {place} open {future_time}?", "who has {name}'s number",
            "is {place} open on sundays?", "how long is the drive to {place}",
            "{name} wants to know if you're coming", "where do you buy {thing}",
            "any idea when '{title}' comes out?", "ok who took my charger",
            "switching phones, text me your number", "trying to find {thing}",
            "lunch: a sandwich", "{place} or {place}?", "3 more pages to read",
            "need a ride to {place} {future_time}", "bus 42 or bus 7?",
            "if anyone needs me i'm at {place} until about 5, then {neu_now}",
            "{name} and i are trying to decide between {place} and {place} for lunch",
            "does anyone know if you need a ticket for the museum or can you just walk in",
            "{neu_past} {past_time}, {neu_past} after that. {neu_now} {now_time}",
        ],
        "keywords": [
            "is {thing} any good?", "is the new cafe on main st any good?",
            "anyone know if {thing} is worth it?",
            "does anyone else hate {thing} or just {name}?",
            "are you happy with {thing}?", "is {thing} {good} or {bad}?",
            "was {thing} {good} or {bad}? deciding whether to go",
            "should i get {thing}? heard mixed things",
            "watching '{title}' {now_time}", "{name} wants to see '{title}' {future_time}",
            "reading '{title}' for class", "has anyone seen '{title}'?",
            "the sad part of town has a new bus stop",
            "Happy Valley road is closed {now_time}",
            "good morning, heading to {place}", "good night everyone",
            "{name} says {thing} is {bad}, haven't tried it yet",
            "{name} thinks {thing} is {good}, will find out {future_time}",
            "{name} loves {thing}, no idea why", "happy hour is at 5 at the bar on 2nd",
            "the forecast says bad storms {future_time}",
            "i'll let you know if {thing} is {good}",
            "the worst part of the drive is the bridge",
            "{name} asked if i was upset. i'm not, just tired",
            "if {thing} is {bad} we can go to {place} instead",
            "how do you say '{pos_feeling}' in spanish?",
            "what does '{neg_feeling}' even mean", "{thing}: {good} or {bad}? discuss",
            "new episode of the podcast is called '{neg_feeling}'",
            "{name}'s band is playing '{pos_feeling}' at {place} {future_time}",
            "the good news: {place} opens at 9. the bad news: it's a 40 min walk",
            "reviewing {thing} {future_time}, will post if it's {good} or {bad}",
            "did you hear what happened with {thing}?",
            "did {name} tell you about {thing}?",
            "{name} asked me to rate {thing} from {bad} to {good}",
            "the bad guy in '{title}' is played by {name}'s cousin",
            "happy birthday to {name}'s dog apparently",
            "poll: is {thing} {good}?", "love island is on",
            "the hate comments on that video are wild",
        ],
        "mixed": [
            "not sure how i feel about {thing}",
            "{thing} is fine, nothing special", "meh. {neu_event}",
            "some good news, some bad news. {neu_event}",
            "so {thing} happened", "{pos_event}, {neg_event}. normal day",
            "{thing} was {good}, {thing} was {bad}. evens out",
            "half {good_adj}, half {bad_adj}", "{thing}? it's ok",
            "could be worse, could be better",
        ],
        "borderline": MEH_OR_BAD + MEH_OR_GOOD,
    },
    2: {  # positive
        "plain": [
            "{pos_event}! {pos_feeling}", "{pos_feeling}, {pos_event}",
            "{pos_past} {past_time}. {pos_feeling}",
            "{pos_now} {now_time}. {pos_feeling}",
            "{pos_past} and {pos_past}. {pos_feeling}",
            "{pos_feeling}. {name} and i are going to {place} {future_time}",
            "happy birthday {name}!", "{thing} is so {good}",
            "i love {thing}", "thanks {name}, {pos_feeling}",
            "{thing} was {good}", "how is {thing} this {good_adj}?",
            "who else is going to {place} {future_time}? can't wait",
            "{name} says {thing} is {good} and i agree",
            "{pos_next}! {pos_feeling}", "{pos_next}. can't wait",
            "{pos_feeling}", "{pos_feeling}!!", "{thing} made my day",
            "{thing}, best ever", "love you {name}", "{name} is the best",
            "{pos_past}. {pos_feeling} {pos_feeling}",
            "so happy for {name}", "congrats {name}!!",
            "{pos_past} {past_time} and {name} took me out to celebrate. {pos_feeling}",
            "i don't even care that it's monday, {pos_now}. {pos_feeling}",
            "just want to say {name} is the best friend anyone could ask for",
            "{pos_feeling}!! {pos_past} and now {pos_now}",
        ],
        "negation": [
            "not bad at all", "can't complain", "never been better",
            "no complaints here", "{thing} wasn't {bad}", "couldn't be happier",
            "not sad anymore", "didn't expect {thing} to be this {good_adj}",
            "nothing can ruin my mood {now_time}", "can't stop smiling",
            "not even tired after {place}", "no regrets", "no worries at all",
            "{thing} was not {bad} at all", "{thing} is never {bad} with {name}",
            "not a single cloud", "no work {future_time}",
            "didn't cry at the end of '{title}'. ok maybe a bit. so {good_adj}",
            "i can't get enough of {thing}", "no alarm {future_time}",
            "never doubted you {name}",
        ],
        "mild": [
            "finally home after 12 hours", "they remembered my birthday",
            "{name} brought me coffee", "slept 10 hours straight",
            "{name} called just to say hi", "found the last slice of pizza",
            "day off {future_time}", "fresh sheets and a long nap",
            "the bus was actually on time", "finished the whole book in one day",
            "got the window seat", "{pos_event}", "{pos_past} {past_time}",
            "{pos_now} {now_time}", "{pos_next}",
            "{name} fixed {thing} for me", "{thing} finally arrived",
            "first coffee of the day hits different", "{name} saved me a seat",
            "warm cookies at {place}", "new record at {place}",
            "all green lights on the way to {place}",
            "{name} laughed at my joke", "inbox zero",
            "{name} drove an hour just to bring me soup when i was sick",
            "walked out of {place} and the sunset was doing the most",
            "the old man at {place} remembered my name and my order",
        ],
        "mixed": [
            "tired but so worth it", "long day but {name} made it better",
            "the exam was hard but i think i passed",
            "rain all day but cozy with a book",
            "{neg_past}, but {pos_past} so whatever",
            "thought {thing} would be {bad}. it was {good}",
            "{neg_event}... but then {pos_event}",
            "everyone says {thing} is {bad}. it's {good}",
            "{neg_now} but {pos_now}. i'll take it",
            "{thing} is {bad_adj} but {name} is {good_adj}",
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

# Chances of the extras around a core sentence; they set the length mix
# (real tweets: about 13 words on average, a long tail to about 30).
P_OPENER, P_ASIDE, P_SECOND_ASIDE, P_SECOND_SENTENCE, P_CLOSER = (
    0.25, 0.50, 0.15, 0.40, 0.30)

# Shared openers and closers; some lean towards a class, most do not.
OPENERS = [
    "omg", "lol", "ok so", "well", "so", "honestly", "haha", "hey", "wow",
    "man", "ugh", "yay", "hmm", "ok", "oh", "update:", "btw", "welp",
]
CLOSERS = {
    0: ["smh", "...", "!!", "lol", "seriously", "again", "whatever", "ugh"],
    1: ["lol", "...", "brb", "ttyl", "text me", "just saying", "anyway",
        "haha", "?", "fyi"],
    2: ["!!", "lol", "haha", "xoxo", "!!!", "hehe", "anyway", "yay"],
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
    "tomorrow": "2moro", "want to": "wanna",
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


def join(first: str, second: str, rng: random.Random, sentence: bool = False) -> str:
    """Glue two pieces like a hurried typist would.

    With ``sentence=True`` the glue always ends a sentence, so two sentences
    of different tense never run into one.
    """
    if first.endswith(("?", "!", ".")):
        return f"{first} {second}"
    glue = [". ", "... ", "! "] if sentence else [". ", ", ", "... ", " - ", " "]
    return first + rng.choice(glue) + second


def compose(label: int, rng: random.Random) -> tuple[str, str]:
    """Write the core of one tweet for a class; return (text, kind)."""
    kinds = KIND_WEIGHTS[label]
    kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
    text = fill(rng.choice(TEMPLATES[label][kind]), rng)
    # A second sentence of the same kind, so the kind stays true (a plain
    # sentence after a sarcastic one would give the game away). Two mixed
    # sentences read oddly, so those stay single.
    if kind != "mixed" and rng.random() < P_SECOND_SENTENCE:
        text = join(text, fill(rng.choice(TEMPLATES[label][kind]), rng), rng,
                    sentence=True)
    if rng.random() < P_OPENER:
        text = f"{rng.choice(OPENERS)} {text}"
    # Mood-free asides, before or after, sometimes two for a ramble.
    for chance in (P_ASIDE, P_SECOND_ASIDE):
        if rng.random() < chance:
            aside = fill("{aside}", rng)
            text = join(aside, text, rng) if rng.random() < 0.3 else join(text, aside, rng)
    if rng.random() < P_CLOSER:
        text = f"{text} {rng.choice(CLOSERS[label])}"
    return text, kind


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


def generate(seed: int = 0) -> dict[str, tuple[list[dict], list[dict]]]:
    """Build both splits as (rows, facts). Texts are unique except on purpose."""
    rng = random.Random(seed)
    seen: set[str] = set()
    splits: dict[str, tuple[list[dict], list[dict]]] = {}
    for split, n in SPLIT_SIZES.items():
        labels = split_labels(n, rng)
        # Label noise: these rows get text written for another class.
        noisy = set(rng.sample(range(n), round(n * NOISE_RATE)))
        rows, facts = [], []
        for i, label in enumerate(labels):
            source = label
            if i in noisy:
                source = rng.choice([c for c in LABEL_TEXT if c != label])
            for _ in range(100):  # retry until the text is new
                core, kind = compose(source, rng)
                text = roughen(core, source, rng)
                if text not in seen:
                    break
            seen.add(text)
            row_id = make_id(split, i)
            rows.append({"id": row_id, "text": text,
                         "label": label, "label_text": LABEL_TEXT[label]})
            facts.append({"id": row_id, "kind": kind,
                          "flipped": source != label, "written_as": source})
        splits[split] = (rows, facts)

    # The real data has one empty tweet and a few exact repeats; copy that.
    train, train_facts = splits["train"]
    neutral_rows = [i for i, r in enumerate(train) if r["label"] == 1]
    empty = rng.choice(neutral_rows)
    train[empty]["text"] = ""
    # Nothing was written for the empty row: it counts as its own label.
    train_facts[empty].update(kind="empty", flipped=False, written_as=1)
    used = {empty}
    for _ in range(N_DUPLICATES):
        # The original sits in the first half, so a later row can copy it.
        src = rng.choice([i for i in range(len(train) // 2) if i not in used])
        # Copy onto a later row of the same class so the label shares stay
        # put; the copy keeps what its text was written for.
        dst = rng.choice([i for i, r in enumerate(train) if i > src and i not in used
                          and r["label"] == train[src]["label"]])
        train[dst]["text"] = train[src]["text"]
        written_as = train_facts[src]["written_as"]
        train_facts[dst].update(kind="duplicate", written_as=written_as,
                                flipped=written_as != train[dst]["label"])
        used |= {src, dst}
    return splits


def _jsonl_bytes(records: list[dict]) -> bytes:
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    # Bytes, not text mode, so line endings are "\n" on every platform.
    return lines.encode("utf-8")


def write(folder: Path = DATA_DIR) -> None:
    """Write {split}.jsonl, {split}_facts.jsonl (UTF-8, one JSON object a line) and about.json,
    the noise rate and the kinds' meanings that the course package reads."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for split, (rows, facts) in generate().items():
        (folder / f"{split}.jsonl").write_bytes(_jsonl_bytes(rows))
        (folder / f"{split}_facts.jsonl").write_bytes(_jsonl_bytes(facts))
    about = {"noise_rate": NOISE_RATE, "kinds": KINDS, "made_by": "tools/make_tweets.py"}
    about_text = json.dumps(about, indent=2, ensure_ascii=False) + "\n"
    (folder / "about.json").write_bytes(about_text.encode("utf-8"))


# --------------------------------------------------------------------------
# Reading back: the facts and a few numbers a notebook can print.
# --------------------------------------------------------------------------

def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read_facts(split: str, folder: Path = DATA_DIR) -> list[dict]:
    """The hidden facts of the shipped "train" or "test" split, row by row."""
    if split not in SPLIT_SIZES:
        raise ValueError(f"split must be one of {', '.join(SPLIT_SIZES)}, not {split!r}")
    return _read_jsonl(Path(folder) / f"{split}_facts.jsonl")


def phrase_words(text: str) -> list[str]:
    """Lower-case words of a text without the roughening (@, #, links, emoji)."""
    text = re.sub(r"@\w+|#\w+|https?://\S+|[:;>]\S*|<3", " ", text.lower())
    return re.findall(r"[a-z0-9']+", text)


def top_phrase(texts: list[str], n: int = 4) -> tuple[str, float]:
    """The most common n-word phrase and the share of texts that carry it."""
    counts: Counter = Counter()
    for text in texts:
        words = phrase_words(text)
        counts.update({" ".join(words[i:i + n]) for i in range(len(words) - n + 1)})
    # Ties go to the alphabetically first phrase, so the answer is stable.
    phrase, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return phrase, count / len(texts)


def summary(folder: Path = DATA_DIR) -> dict:
    """Per split: rows, flipped share, share per kind, top 4-word phrase, lengths."""
    result = {}
    for split in SPLIT_SIZES:
        texts = [r["text"] for r in _read_jsonl(Path(folder) / f"{split}.jsonl")]
        facts = read_facts(split, folder)
        n = len(facts)
        kinds = Counter(f["kind"] for f in facts)
        lengths = sorted(len(t.split()) for t in texts)
        phrase, share = top_phrase(texts)
        result[split] = {
            "rows": n,
            "flipped_share": round(sum(f["flipped"] for f in facts) / n, 4),
            "kind_shares": {k: round(kinds[k] / n, 4) for k in KINDS if kinds[k]},
            "top_4gram": phrase,
            "top_4gram_share": round(share, 4),
            "mean_words": round(sum(lengths) / n, 2),
            "p99_words": lengths[int(0.99 * (n - 1))],
        }
    return result


if __name__ == "__main__":
    write(DATA_DIR)
    written = ", ".join(f"{s}.jsonl, {s}_facts.jsonl" for s in SPLIT_SIZES)
    print(f"wrote {written} and about.json to {DATA_DIR}")
    for split, numbers in summary().items():
        print(f"\n{split}:")
        for key, value in numbers.items():
            print(f"  {key}: {value}")
