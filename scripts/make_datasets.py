#!/usr/bin/env python3
"""make_datasets.py: writes Tailor's shipped task sets under datasets/ (dev-only).

How it works:
  * fruit:  a hand-written table (FRUITS below) of ~220 plants and their botanical fruit type,
            one label per plant under the conventions stated in datasets/README.md.
  * intent: customer-support messages from a templated grammar ([a|b] picks one alternative,
            {slot} fills from a list), 6 intents, varied openers/closers and casing.
  * dates:  random calendar dates 1900-2099 written in 16 formats (ambiguous numeric formats
            carry their pattern, e.g. "(DD/MM/YYYY)"); the target is ISO 8601 YYYY-MM-DD.
  Generated items are rejected when their input is a near duplicate (Jaccard >= 0.7 over
  character 5-shingles of the normalized text) of an item already kept, so no split can leak
  into another at the leak check's default threshold of 0.8.
  Each set is written whole (NAME.jsonl), then split exactly as
      tailor data split datasets/NAME/NAME.jsonl --train T --val V --test S --seed 42 [--stratify]
  does (SplitMix64 Fisher-Yates, see Sources/Evaluation/Data/Split.swift); EvaluationTests
  re-splits the whole file in Swift and checks the shipped split files byte for byte.

Run (Python 3.8+, standard library only; output is deterministic):
  python3 scripts/make_datasets.py            # from the repository root
"""
import calendar
import datetime
import json
import math
import os
import random
import re
import unicodedata

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "datasets")
SPLIT_SEED = 42
MASK = (1 << 64) - 1

# ---------------------------------------------------------------- fruit -> botanical fruit type
FRUITS = {
    "drupe": ["peach", "nectarine", "plum", "apricot", "sweet cherry", "sour cherry", "olive", "mango",
              "damson", "greengage", "sloe", "mirabelle plum", "cherry plum", "japanese apricot", "coconut",
              "almond", "pistachio", "jujube", "cornelian cherry", "acerola", "marula", "coffee cherry",
              "acai", "hackberry", "chokecherry", "holly", "jocote", "ambarella"],
    "pome": ["apple", "pear", "quince", "loquat", "medlar", "crabapple", "hawthorn", "rowan", "serviceberry",
             "chokeberry", "nashi pear", "toyon", "cotoneaster", "firethorn", "chinese quince", "whitebeam"],
    "berry": ["tomato", "banana", "grape", "blueberry", "cranberry", "gooseberry", "redcurrant", "blackcurrant",
              "kiwifruit", "avocado", "persimmon", "eggplant", "bell pepper", "chili pepper", "guava", "papaya",
              "pomegranate", "feijoa", "dragon fruit", "lingonberry", "bilberry", "barberry", "goji berry",
              "tomatillo", "cape gooseberry", "tamarillo", "pawpaw", "sapodilla", "jabuticaba",
              "miracle fruit", "naranjilla", "muscadine"],
    "hesperidium": ["orange", "lemon", "lime", "grapefruit", "mandarin", "tangerine", "clementine", "pomelo",
                    "citron", "kumquat", "bergamot orange", "yuzu", "calamansi", "seville orange", "key lime",
                    "makrut lime", "blood orange", "tangelo", "finger lime", "satsuma", "meyer lemon", "sudachi"],
    "pepo": ["watermelon", "cucumber", "pumpkin", "cantaloupe", "honeydew melon", "zucchini", "butternut squash",
             "acorn squash", "spaghetti squash", "bottle gourd", "bitter melon", "kiwano", "gherkin", "winter melon",
             "luffa", "pattypan squash", "hubbard squash", "kabocha", "galia melon", "casaba melon"],
    "aggregate": ["raspberry", "blackberry", "strawberry", "dewberry", "boysenberry", "loganberry", "cloudberry",
                  "salmonberry", "thimbleberry", "wineberry", "tayberry", "marionberry", "black raspberry"],
    "multiple": ["pineapple", "fig", "mulberry", "jackfruit", "breadfruit", "osage orange", "noni", "cempedak",
                 "sweetgum", "pandanus"],
    "legume": ["pea", "peanut", "green bean", "soybean", "lentil", "chickpea", "tamarind", "carob", "mesquite",
               "honey locust", "fava bean", "lima bean", "runner bean", "mung bean", "black-eyed pea", "pigeon pea",
               "snow pea", "lupin", "wisteria", "redbud"],
    "nut": ["hazelnut", "chestnut", "acorn", "beechnut", "chinquapin", "hornbeam"],
    "capsule": ["poppy", "cotton", "okra", "brazil nut", "horse chestnut", "buckeye", "cardamom", "tulip", "iris",
                "lily", "sesame", "flax", "castor bean", "jimsonweed", "eucalyptus", "tobacco", "foxglove",
                "snapdragon", "rhododendron", "catalpa", "violet", "evening primrose"],
    "achene": ["sunflower", "buckwheat", "dandelion", "buttercup", "clematis", "safflower", "lettuce", "thistle",
               "hemp", "stinging nettle", "chicory", "sorrel"],
    "caryopsis": ["wheat", "rice", "maize", "barley", "oat", "rye", "sorghum", "millet", "teff", "spelt",
                  "triticale", "wild rice", "fonio", "einkorn"],
    "samara": ["maple", "ash tree", "elm", "box elder", "tree of heaven", "hoptree"],
    "follicle": ["milkweed", "peony", "larkspur", "columbine", "macadamia", "hellebore", "marsh marigold"],
    "silique": ["mustard", "rapeseed", "arugula", "wallflower", "thale cress", "cabbage", "watercress"],
    "schizocarp": ["carrot", "parsley", "coriander", "dill", "fennel", "cumin", "caraway", "anise", "celery",
                   "parsnip", "lovage", "chervil", "hollyhock", "cranesbill"],
}
FRUIT_LABELS = list(FRUITS)


def make_fruit():
    rows = []
    for label, names in FRUITS.items():
        for n in names:
            rows.append({"input": n, "target": label, "labels": FRUIT_LABELS})
    random.Random(1).shuffle(rows)
    return rows


# ---------------------------------------------------------------- support-ticket intent
SLOTS = {
    "product": ["the wireless headphones", "my coffee maker", "the standing desk", "a pair of running shoes",
                "the phone case", "the blender", "my new laptop bag", "the smart watch", "the office chair",
                "a winter jacket", "the kids' bike", "the air fryer", "two bath towels", "the desk lamp"],
    "gadget": ["smart watch", "wireless earbuds", "smart speaker", "fitness tracker", "robot vacuum", "e-reader",
               "security camera", "smart thermostat"],
    "device": ["iPhone", "Android phone", "Windows laptop", "MacBook", "iPad", "Chromebook", "Pixel", "Galaxy tablet"],
    "browser": ["Chrome", "Firefox", "Safari", "Edge"],
    "carrier": ["the courier", "UPS", "the delivery driver", "the post office", "FedEx", "DHL"],
    "month": list(calendar.month_name)[1:],
    "country": ["Canada", "Ireland", "Norway", "Japan", "Brazil", "Australia", "Mexico", "Portugal"],
}

INTENTS = {
    "billing": [
        "[I was|I've been|I got] charged {amount} twice [on my card|on my credit card|this month] for the {month} invoice",
        "why does my [bank|card|credit card] statement show a charge of {amount} [I don't recognize|that I never authorized|from your company]",
        "my invoice for {month} [lists|shows|has] the wrong [company name|billing address|VAT number]",
        "how do I [update|change|replace] the [credit card|payment card|card] you bill [every month|for my plan|automatically]",
        "the price on my [latest|last|newest] bill [went up|jumped|increased] to {amount} without any [notice|warning|email]",
        "[could|can] you [send|email] me [a copy of|an itemized] receipt for order {order}, [I need it for expenses|my accountant asked for it]",
        "my payment of {amount} was declined [but my bank says the card is fine|although there is money on the card|three times in a row]",
        "I'd like to [switch|move|change] from monthly to [annual|yearly] billing [to save money|if that is cheaper|starting in {month}]",
        "there is a late fee of {amount} on my [account|bill|invoice] but I paid [on time|before the due date|on {month} {day}]",
        "please explain the [extra|additional|unexpected] {amount} [service charge|handling fee|tax line] on my [last|latest] invoice",
        "is it possible to pay [by bank transfer|with PayPal|by invoice] instead of [card|credit card] [next time|from now on|for my company]",
        "the [discount code|coupon|promo code] [was not applied|didn't work at checkout] and I was billed the full price of {amount}",
        "[you are|you're] still billing my old [card|credit card|bank account] even though I updated it in {month}",
    ],
    "refund": [
        "I [returned|sent back|shipped back] {product} {days} days ago and [still haven't got my money back|have not been reimbursed yet]",
        "{product} arrived [broken|cracked|damaged], I want a [full refund|refund], not a replacement",
        "when will the {amount} refund for order {order} [show up|appear|land] on my [card|account|statement]",
        "you [approved|confirmed|accepted] my refund [last week|on {month} {day}] but the money never [reached|hit] my [account|card]",
        "the item [didn't match|did not look like] the [description|photos] so I'd like my {amount} back",
        "can I [get|still get] a refund for {product} if I already [opened the box|used it once|threw away the packaging]",
        "I was promised a partial refund of {amount} [for the late delivery|because the parcel came late|as compensation]",
        "[please|kindly] reverse the payment for {product}, I sent it back on {month} {day}",
        "your return policy says 30 days and I'm on day {days}, can I still [get reimbursed|get my money back]",
        "what is the status of my refund for order {order}? it has been [over two weeks|almost a month|{days} days]",
        "I'd like to return {product} and have the money put back on my [original payment method|credit card|PayPal]",
        "the refund I received was {amount} short [of what I paid|compared to the order total]",
    ],
    "shipping": [
        "order {order} still says [label created|processing|awaiting pickup] after {days} days",
        "{carrier} marked my [package|parcel|order] as delivered but there is nothing [at my door|in my mailbox|in the lobby]",
        "can I change the delivery address for order {order}? I [moved last week|am staying with my parents|typed the wrong street]",
        "how long does [shipping|delivery] to {country} [usually take|take these days|normally take]",
        "my [parcel|package|shipment] has been stuck in customs [for {days} days|since {month} {day}]",
        "the tracking number you sent for {product} [doesn't work|shows nothing|is not recognized] on the {carrier} [site|website|app]",
        "is [express|next-day|overnight] delivery available? I need {product} before {month} {day}",
        "only part of my order arrived, {product} [is missing from the box|was not in the parcel|never came]",
        "do you [ship|deliver] to [PO boxes|parcel lockers|{country}]",
        "{carrier} left my package with a neighbour [I don't know|down the street|without telling me]",
        "the estimated delivery date for order {order} keeps [moving back|changing|getting pushed]",
        "{product} was delivered to the wrong [address|house|city] according to the tracking page",
    ],
    "account": [
        "I can't log in, the password reset email [never arrives|doesn't come|goes nowhere]",
        "how do I change the email address on my [account|profile|login]",
        "someone else [seems to have|has] access to my account, I see [orders I never placed|a login from {country}]",
        "please delete my account and all my personal data [under GDPR|for good|right away]",
        "my account got locked after too many [login attempts|wrong passwords|tries]",
        "I want to merge my two accounts [into one|so my order history is together]",
        "how can I [turn on|enable|set up] two-factor authentication [on my account|for my login]",
        "the verification code sent to my phone [has expired|is rejected] every time I try [to sign in|to log in]",
        "I need to [update|change] my [username|display name|profile name], it still shows my old name",
        "can I add a second user to my [family|household|shared] account",
        "I forgot which email I used to [sign up|register|create my account]",
        "I never receive the [account confirmation|sign-up confirmation|welcome] email so I can't activate my profile",
    ],
    "technical": [
        "the app [crashes|closes|freezes] every time I open it on my {device}",
        "the website shows [an error 500|a blank page|an internal error] when I [click checkout|open my cart|go to my orders]",
        "my {gadget} won't connect to [Wi-Fi|the network|my router] after the [latest|last] firmware update",
        "[bluetooth pairing|pairing] with my {device} fails with error code {code}",
        "the page keeps loading forever on {browser} [but works on my phone|even after clearing the cache]",
        "notifications stopped working after I updated the app on my {device}",
        "the {gadget} battery [drains|dies] in {hours} hours since the [update|last update]",
        "I get a [session expired|connection lost|sync failed] message every few minutes in the app",
        "video playback [stutters|lags|freezes] on my {device} even on [fast internet|a wired connection]",
        "the sync between my {gadget} and the web dashboard [is broken|stopped on {month} {day}]",
        "search results on the site are [blank|empty|not loading] for me on {browser}",
        "the {gadget} keeps [rebooting|restarting] by itself [every hour|at night|after {hours} hours]",
    ],
    "cancellation": [
        "please cancel my subscription before the next renewal on {month} {day}",
        "I want to cancel order {order}, I [ordered it by mistake|found it cheaper elsewhere|no longer need it]",
        "how do I stop my membership from [renewing automatically|auto-renewing|renewing every year]",
        "cancel my [plan|membership|subscription] [effective immediately|today], I'm moving to {country}",
        "I placed order {order} [an hour ago|this morning|{days} minutes ago], can it still be cancelled before it ships",
        "I don't use the service anymore, please [end|terminate|close out] my contract",
        "can I [pause|freeze|put on hold] my subscription instead of cancelling it",
        "stop sending me the monthly box, I no longer want [it|the deliveries|the service]",
        "what happens to my data if I cancel my [premium plan|subscription|membership]",
        "I tried to cancel online but the [cancel button|button|link] [doesn't do anything|leads to an error]",
        "please [end|terminate|cancel] the paid plan at the end of this billing period",
        "I signed up for the free trial and want to cancel before I'm charged on {month} {day}",
    ],
}
OPENERS = ["", "", "", "Hi, ", "Hello, ", "Hey there. ", "Good morning, ", "Hi team, ", "Quick question: ", "URGENT: "]
CLOSERS = ["", "", "", " Thanks.", " Thank you!", " Please help.", " Can you look into it?", " This is the second time I ask.",
           " Regards, Sam.", " Any update would be great."]


def expand(template, rng):
    def alt(m):
        return rng.choice(m.group(1).split("|"))
    s = re.sub(r"\[([^\]]*)\]", alt, template)
    fills = {
        "amount": lambda: "$%d.%02d" % (rng.randint(5, 400), rng.choice([0, 99, 49, 50, 95, rng.randint(1, 98)])),
        "order": lambda: "#%d" % rng.randint(10000, 999999),
        "days": lambda: str(rng.randint(3, 40)),
        "day": lambda: str(rng.randint(1, 28)),
        "hours": lambda: str(rng.randint(2, 12)),
        "code": lambda: "%d" % rng.randint(100, 9999),
    }
    def slot(m):
        k = m.group(1)
        return fills[k]() if k in fills else rng.choice(SLOTS[k])
    return re.sub(r"\{(\w+)\}", slot, s)


def make_intent(per_intent=100):
    rng = random.Random(2024)
    rows, kept = [], []
    labels = list(INTENTS)
    for label in labels:
        n, tries = 0, 0
        while n < per_intent:
            tries += 1
            assert tries < 200000, "intent generator cannot find enough distinct items for " + label
            body = expand(rng.choice(INTENTS[label]), rng)
            opener = rng.choice(OPENERS)
            text = opener + (body[0].upper() + body[1:] if opener in ("", "Hey there. ", "Quick question: ", "URGENT: ") else body)
            if not text.endswith("?") and rng.random() < 0.8:
                text += "?" if body.startswith(("how", "can", "is", "what", "when", "why", "do ")) else "."
            text += rng.choice(CLOSERS)
            if rng.random() < 0.15:
                text = text.lower()
            if not accept(text, kept, 0.7):
                continue
            rows.append({"input": text, "target": label, "labels": labels})
            n += 1
    rng.shuffle(rows)
    return rows


# ---------------------------------------------------------------- dates -> ISO 8601
ORD_WORDS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
             "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
             "eighteenth", "nineteenth", "twentieth", "twenty-first", "twenty-second", "twenty-third",
             "twenty-fourth", "twenty-fifth", "twenty-sixth", "twenty-seventh", "twenty-eighth", "twenty-ninth",
             "thirtieth", "thirty-first"]


def ordinal(d):
    suf = "th" if 11 <= d % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return "%d%s" % (d, suf)


def date_formats():
    M = lambda t: calendar.month_name[t.month]
    m = lambda t: calendar.month_abbr[t.month]
    return {
        "month d, yyyy": lambda t: "%s %d, %d" % (M(t), t.day, t.year),
        "month dth, yyyy": lambda t: "%s %s, %d" % (M(t), ordinal(t.day), t.year),
        "d month yyyy": lambda t: "%d %s %d" % (t.day, M(t), t.year),
        "the dth of mon yyyy": lambda t: "the %s of %s %d" % (ordinal(t.day), m(t), t.year),
        "dd/mm/yyyy": lambda t: "%02d/%02d/%d (DD/MM/YYYY)" % (t.day, t.month, t.year),
        "mm/dd/yyyy": lambda t: "%02d/%02d/%d (MM/DD/YYYY)" % (t.month, t.day, t.year),
        "dd.mm.yyyy": lambda t: "%02d.%02d.%d (DD.MM.YYYY)" % (t.day, t.month, t.year),
        "yyyy/mm/dd": lambda t: "%d/%02d/%02d" % (t.year, t.month, t.day),
        "mon d yyyy": lambda t: "%s %d %d" % (m(t), t.day, t.year),
        "d-mon-yyyy": lambda t: "%d-%s-%d" % (t.day, m(t), t.year),
        "weekday, month d, yyyy": lambda t: "%s, %s %d, %d" % (calendar.day_name[t.weekday()], M(t), t.day, t.year),
        "dth month, yyyy": lambda t: "%s %s, %d" % (ordinal(t.day), M(t), t.year),
        "mon. d, yyyy": lambda t: "%s. %d, %d" % (m(t), t.day, t.year),
        "yyyymmdd": lambda t: "%d%02d%02d (YYYYMMDD)" % (t.year, t.month, t.day),
        "the ordinal-word of month, yyyy": lambda t: "the %s of %s, %d" % (ORD_WORDS[t.day - 1], M(t), t.year),
        "month yyyy, day d": lambda t: "%s %d, day %d" % (M(t), t.year, t.day),
    }


def make_dates(n=480):
    rng = random.Random(1999)
    fmts = date_formats()
    names = list(fmts)
    start, span = datetime.date(1900, 1, 1).toordinal(), datetime.date(2099, 12, 31).toordinal() - datetime.date(1900, 1, 1).toordinal()
    rows, kept, seen = [], [], set()
    i = 0
    while len(rows) < n:
        t = datetime.date.fromordinal(start + rng.randint(0, span))
        name = names[i % len(names)]
        text = fmts[name](t)
        if t in seen or not accept(text, kept, 0.75):
            continue
        seen.add(t)
        i += 1
        rows.append({"input": text, "target": t.isoformat(), "format": name})
    rng.shuffle(rows)
    return rows


# ---------------------------------------------------------------- near-duplicate filter (as LeakChecker)
def normalize(text):
    out = "".join(c for c in text.lower() if not unicodedata.category(c).startswith("P"))
    return " ".join(out.split())


def shingles(text, k=5):
    s = normalize(text)
    if not s:
        return set()
    if len(s) <= k:
        return {s}
    return {s[i:i + k] for i in range(len(s) - k + 1)}


def accept(text, kept, threshold):
    """Keeps text unless it is a near duplicate of something kept already."""
    sh = shingles(text)
    for other in kept:
        u = len(sh | other)
        if u and len(sh & other) / u >= threshold:
            return False
    kept.append(sh)
    return True


# ---------------------------------------------------------------- split exactly as DatasetSplitter
class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def assign(items, fr, rng, out):
    perm = list(items)
    n = len(perm)
    for i in range(n - 1, 0, -1):
        j = rng.next() % (i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    n_test = min(n, math.floor(n * fr[2] + 0.5))
    n_val = min(n - n_test, math.floor(n * fr[1] + 0.5))
    out["test"] += perm[:n_test]
    out["val"] += perm[n_test:n_test + n_val]
    out["train"] += perm[n_test + n_val:]


def split(rows, fr, seed, stratify):
    rng = SplitMix64(seed)
    out = {"train": [], "val": [], "test": []}
    if stratify:
        groups = {}
        for i, r in enumerate(rows):
            groups.setdefault(r["target"], []).append(i)
        for idx in groups.values():
            assign(idx, fr, rng, out)
    else:
        assign(range(len(rows)), fr, rng, out)
    return {k: sorted(v) for k, v in out.items()}


def write_atomic(path, lines):
    with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(l + "\n" for l in lines))
    os.replace(path + ".tmp", path)


SETS = [  # name, maker, (train, val, test), stratified
    ("fruit", make_fruit, (0.6, 0.2, 0.2), True),
    ("intent", make_intent, (0.7, 0.15, 0.15), True),
    ("dates", make_dates, (0.7, 0.15, 0.15), False),
]


def main():
    for name, make, fr, strat in SETS:
        rows = make()
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        d = os.path.join(ROOT, name)
        os.makedirs(d, exist_ok=True)
        write_atomic(os.path.join(d, name + ".jsonl"), lines)
        parts = split(rows, fr, SPLIT_SEED, strat)
        for part in ("train", "val", "test"):
            write_atomic(os.path.join(d, "%s.%s.jsonl" % (name, part)), [lines[i] for i in parts[part]])
        print("%-7s %4d items: train %d, val %d, test %d" % (name, len(rows), len(parts["train"]), len(parts["val"]), len(parts["test"])))


if __name__ == "__main__":
    main()
