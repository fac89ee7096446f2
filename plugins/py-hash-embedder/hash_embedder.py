"""The hash-embedder algorithm (plugins/hash-embedder/README.md, "Specification (version 1)")
in Python: the same text and config give the same float32 vector, bit for bit, as the
TypeScript and WebAssembly builds. Pure: no I/O."""
import math
import struct

SEED_WORD = 0x01
SEED_BIGRAM = 0x02
SEED_CHAR = 0x03
SPACE = 0x20
FNV_OFFSET_BASIS = 0x811C9DC5
FNV_PRIME = 0x01000193
SQRT2 = 1.4142135623730951
LN2 = 0.6931471805599453
TERMS = 12

DEFAULTS = {"dimensions": 384, "minN": 3, "maxN": 5, "wordBigrams": True, "charWeight": 0.5}


def fnv_bytes(h, data):
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & 0xFFFFFFFF
    return h


def is_token_byte(b):
    return b >= 0x80 or 0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A


def utf8(text):
    """The UTF-8 bytes of text; a lone surrogate becomes U+FFFD, as TextEncoder does."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text).encode("utf-8")


def tokenize(text):
    """The tokens of text as lowercased (ASCII A-Z only) UTF-8 byte strings, in text order."""
    data = bytes(b + 0x20 if 0x41 <= b <= 0x5A else b for b in utf8(text))
    tokens, start = [], -1
    for i in range(len(data) + 1):
        inside = i < len(data) and is_token_byte(data[i])
        if inside and start < 0:
            start = i
        elif not inside and start >= 0:
            tokens.append(data[start:i])
            start = -1
    return tokens


def log1p(x):
    """log(1 + x) for x >= 0 exactly as the specification computes it (no math.log1p)."""
    if not x > 0:
        return 0.0
    k = 0
    f = x
    y = 1 + x
    if y >= SQRT2:
        m = y
        while m >= SQRT2:
            m = m / 2
            k = k + 1
        f = m - 1
    s = f / (2 + f)
    z = s * s
    p = 1 / (2 * (TERMS - 1) + 1)
    for j in range(TERMS - 2, -1, -1):
        p = 1 / (2 * j + 1) + z * p
    return float(k) * LN2 + 2 * s * p


def _add(acc, h, weight):
    bucket = h % len(acc)
    if h >> 31:
        acc[bucket] = acc[bucket] - weight
    else:
        acc[bucket] = acc[bucket] + weight


def feature_counts(text, config):
    acc = [0.0] * config["dimensions"]
    tokens = tokenize(text)
    word_seed = fnv_bytes(FNV_OFFSET_BASIS, b"\x01")
    bigram_seed = fnv_bytes(FNV_OFFSET_BASIS, b"\x02")
    char_seed = fnv_bytes(FNV_OFFSET_BASIS, b"\x03")
    min_n, max_n, weight = config["minN"], config["maxN"], config["charWeight"]
    for t, token in enumerate(tokens):
        _add(acc, fnv_bytes(word_seed, token), 1.0)
        if config["wordBigrams"] and t > 0:
            _add(acc, fnv_bytes(fnv_bytes(fnv_bytes(bigram_seed, tokens[t - 1]), b" "), token), 1.0)
        if weight > 0:
            padded = b" " + token + b" "
            for n in range(min_n, max_n + 1):
                for start in range(0, len(padded) - n + 1):
                    _add(acc, fnv_bytes(char_seed, padded[start:start + n]), weight)
    return acc


def embed(text, config):
    """The float32 vector of text, as a list of Python floats holding float32 values."""
    acc = feature_counts(text, config)
    damped = [log1p(a) if a > 0 else (-log1p(-a) if a < 0 else 0.0) for a in acc]
    total = 0.0
    for d in damped:
        total = total + d * d
    if total == 0:
        return [0.0] * len(acc)
    norm = math.sqrt(total)
    values = [d / norm for d in damped]
    # One rounding to float32 per component (round to nearest even), as the spec says.
    return list(struct.unpack("<%df" % len(values), struct.pack("<%df" % len(values), *values)))
