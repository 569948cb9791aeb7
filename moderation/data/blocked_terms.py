"""The site-wide blocked terms that ship with Onair, by label (see moderation.backends.base).

Phrases a profanity model scores low because their words are ordinary ("kill", "yourself")
yet whose meaning is abuse: incitement to self-harm, threats, and slurs (whose exact spelling
the model may not know). Matched as whole words on the normalised text (moderation.text), so
"k y s", "k1ll y0urself" and "KYS!!!" are caught by "kys" and "kill yourself". Operators
add site-wide and per-channel terms in the admin; these are the floor.
"""

DEFAULT_BLOCKED_TERMS: dict[str, tuple[str, ...]] = {
    "self_harm": (
        "kill yourself",
        "kill urself",
        "kill ur self",
        "kys",
        "go die",
        "go kill yourself",
        "end yourself",
        "end your life",
        "hang yourself",
        "neck yourself",
        "slit your wrists",
        "drink bleach",
        "unalive yourself",
        "nobody would miss you",
        "you should die",
        "hope you die",
    ),
    "threat": (
        "i will kill you",
        "ill kill you",
        "i'll kill you",
        "im going to kill you",
        "i'm going to kill you",
        "gonna kill you",
        "i will find you",
        "i know where you live",
        "i will hurt you",
        "gonna shoot you",
        "i will shoot you",
        "i will rape you",
    ),
    "harassment": (
        "eat shit and die",
        "die in a fire",
        "nobody likes you",
        "everyone hates you",
    ),
    "hate_speech": (
        "nigger",
        "niggers",
        "nigga",
        "faggot",
        "faggots",
        "fag",
        "kike",
        "spic",
        "chink",
        "gook",
        "wetback",
        "tranny",
        "retard",
        "retarded",
        "raghead",
        "towelhead",
        "sand nigger",
        "coon",
        "dyke",
    ),
}
