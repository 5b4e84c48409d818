"""Generated two-person sentences with one pronoun and a known antecedent.

Cases: "gender" (the two names differ in gender; the pronoun's gender picks either name) and
"same_gender" (both names share the pronoun's gender; by the convention taught here it refers to the
subject, the first name). Frames, verbs, predicates, nouns and prefixes are split three ways:
train, dev (head selection) and test (reported numbers), so evaluation sentences use frames and verbs
never seen in training.
"""
import random

MALE_NAMES = ["mark", "sam", "john", "david", "paul", "peter", "james", "tom", "mike", "steve", "robert",
              "george", "frank", "henry", "jack", "daniel", "kevin", "brian", "eric", "adam", "luke",
              "oliver", "victor", "simon", "carl", "ryan", "nick", "joe", "bill", "fred"]
FEMALE_NAMES = ["anna", "mary", "sarah", "emma", "lisa", "kate", "julia", "laura", "helen", "susan",
                "alice", "rachel", "linda", "jane", "amy", "claire", "nora", "grace", "lucy", "olivia",
                "sophie", "diana", "ruth", "emily", "ellen", "karen", "maria", "rose", "nancy", "beth"]
PRONOUNS = {"male": {"S": "he", "O": "him", "P": "his"}, "female": {"S": "she", "O": "her", "P": "her"}}

# Slots: {A} subject name, {B} object name, {SAY}/{C} reporting verb and its connector, {ACT} transitive
# action verb, {S}/{O}/{P} pronoun (subject/object/possessive), {PRED} predicate after a subject pronoun,
# {N} possessed noun, {NPRED} predicate of that noun.
FRAMES = {
    "train": [
        "{A} {SAY} {B} {C} {S} {PRED} .",
        "{A} {SAY} {B} {C} {P} {N} {NPRED} .",
        "after {A} {ACT} {B} , {S} {PRED} .",
        "{A} {ACT} {B} before {S} {PRED} .",
        "{A} {ACT} {B} at {P} {PLACE} .",
        "{A} {ACT} {B} and then {S} {PRED} .",
        "{A} {SAY} {B} {C} the teacher had seen {O} .",
        "{A} {ACT} {B} because {S} {PRED} .",
    ],
    "dev": [
        "once {A} {ACT} {B} , {S} {PRED} .",
        "{A} {SAY} {B} {C} someone had called {O} .",
    ],
    "test": [
        "when {A} {ACT} {B} , {S} {PRED} .",
        "{A} {ACT} {B} while {S} {PRED} .",
        "{A} {SAY} {B} {C} the manager liked {P} {N} .",
        "{A} {ACT} {B} , but {S} {PRED} .",
        "{A} {SAY} {B} {C} nobody had helped {O} .",
    ],
}
SAY_VERBS = {
    "train": [("told", "that"), ("asked", "whether"), ("warned", "that"), ("reminded", "that"),
              ("promised", "that"), ("emailed", "because"), ("phoned", "because"), ("wrote", "that")],
    "dev": [("convinced", "that"), ("messaged", "because")],
    "test": [("informed", "that"), ("assured", "that"), ("notified", "that"), ("advised", "that")],
}
ACT_VERBS = {
    "train": ["called", "visited", "met", "saw", "helped", "followed", "joined", "watched", "greeted",
              "phoned", "emailed", "found"],
    "dev": ["hugged", "chased"],
    "test": ["interviewed", "contacted", "recognized", "passed", "approached"],
}
PREDICATES = {
    "train": ["was leaving", "had won", "was tired", "would be late", "needed help", "had lost the keys",
              "was moving", "felt sick", "got the job", "was hungry", "missed the bus", "was sorry",
              "had finished", "was ready", "forgot the tickets", "passed the exam", "was busy",
              "liked the plan", "was angry", "would call later", "was happy", "had a cold"],
    "dev": ["was cold", "had left"],
    "test": ["was sleeping", "had arrived", "was nervous", "lost the game", "was laughing"],
}
NOUNS = {
    "train": ["car", "bike", "phone", "house", "dog", "sister", "brother", "bag", "keys", "job", "book",
              "office", "mother", "father", "laptop", "coat"],
    "dev": ["hat"],
    "test": ["wallet", "garden", "cousin", "camera"],
}
NOUN_PREDICATES = ["was broken", "was gone", "was outside", "needed repairs", "was missing", "was new"]
PLACES = ["house", "office", "school", "party", "place", "apartment"]
PREFIXES = {
    "train": ["", "", "", "yesterday ,", "last week ,", "on monday ,", "in the morning ,", "later ,",
              "at noon ,"],
    "dev": ["", "on sunday ,"],
    "test": ["", "on friday ,", "this morning ,", "after dinner ,", "at last ,"],
}
# Continuations for masked-LM practice: the antecedent named again, to be predicted from the context.
CONTINUATIONS = ["so {R} packed .", "so {R} smiled .", "and {R} left early .", "so {R} called back ."]


def template_words():
    """Every word the generator can emit, so the vocabulary keeps them whole."""
    words = set(MALE_NAMES + FEMALE_NAMES)
    for forms in PRONOUNS.values():
        words.update(forms.values())
    groups = [FRAMES, PREDICATES, NOUNS, PREFIXES]
    for group in groups:
        for items in group.values():
            for item in items:
                words.update(w for w in item.replace("{", " {").split() if not w.startswith("{"))
    for items in SAY_VERBS.values():
        for verb, conj in items:
            words.update([verb, conj])
    for items in ACT_VERBS.values():
        words.update(items)
    for item in NOUN_PREDICATES + PLACES + CONTINUATIONS:
        words.update(w for w in item.split() if not w.startswith("{"))
    return {w for w in words if w.isalpha()}


def generate(split, rng, case=None, gender=None):
    """One example: dict(text, words, pronoun_index, name_indices (subject, object), antecedent
    (0 subject / 1 object), case, gender). `words` are whitespace tokens of the lower-case text."""
    case = case or rng.choice(["gender", "same_gender"])
    gender = gender or rng.choice(["male", "female"])
    same = MALE_NAMES if gender == "male" else FEMALE_NAMES
    other = FEMALE_NAMES if gender == "male" else MALE_NAMES
    if case == "same_gender":
        subject, obj = rng.sample(same, 2)
        antecedent = 0
    else:
        antecedent = rng.randrange(2)
        pair = [rng.choice(same), rng.choice(other)]
        if antecedent == 1:
            pair.reverse()
        subject, obj = pair
    frame = rng.choice(FRAMES[split])
    say, conj = rng.choice(SAY_VERBS[split])
    forms = PRONOUNS[gender]
    fill = {"A": subject, "B": obj, "SAY": say, "C": conj, "ACT": rng.choice(ACT_VERBS[split]),
            "S": forms["S"], "O": forms["O"], "P": forms["P"], "PRED": rng.choice(PREDICATES[split]),
            "N": rng.choice(NOUNS[split]), "NPRED": rng.choice(NOUN_PREDICATES), "PLACE": rng.choice(PLACES)}
    prefix = rng.choice(PREFIXES[split])
    words, slot_index = [], {}
    for item in (prefix + " " + frame).split():
        if item.startswith("{"):
            slot_index[item] = len(words)
            words += item.format(**fill).split()  # multi-word slots (predicates) expand in place
        else:
            words.append(item)
    pronoun_index = next(slot_index[s] for s in ("{S}", "{O}", "{P}") if s in slot_index)
    name_indices = (slot_index["{A}"], slot_index["{B}"])
    return {"words": words, "text": " ".join(words), "pronoun_index": pronoun_index,
            "name_indices": name_indices, "antecedent": antecedent, "case": case, "gender": gender,
            "names": (subject, obj)}


def display_text(example):
    """Capitalised, normally spaced English for people and for the browser tests."""
    text = " ".join(example["words"])
    for mark in (" .", " ,"):
        text = text.replace(mark, mark.strip())
    words = text.split()
    words = [w.capitalize() if w.rstrip(",.") in example["names"] else w for w in words]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def balanced_set(split, count, seed):
    """`count` examples, equally many per (case, gender) cell, deterministic for a seed."""
    rng = random.Random(seed)
    cells = [(c, g) for c in ("gender", "same_gender") for g in ("male", "female")]
    return [generate(split, rng, *cells[i % 4]) for i in range(count)]
