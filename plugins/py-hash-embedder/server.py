#!/usr/bin/python3
"""py-hash-embedder: the hash-embedder vectorizer as a Python gRPC plugin (modgate Python SDK).

Run by the gateway (spec.binary); `node build.mjs` must have put the SDK and its generated
stubs in dist/ first. /usr/bin/python3 on purpose: Debian's python3-grpcio lives there.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DIST = os.path.join(HERE, "dist")
if not os.path.isdir(os.path.join(DIST, "modgate_plugin")):
    sys.stderr.write(
        "py-hash-embedder is not built: run `node scripts/build-plugins.mjs plugins/py-hash-embedder` "
        "(needs python3-grpcio, python3-grpc-tools and python3-protobuf)\n"
    )
    sys.exit(1)
sys.path.insert(0, DIST)
sys.path.insert(0, HERE)

from modgate_plugin import PluginError, serve  # noqa: E402

import hash_embedder  # noqa: E402

LIMITS = {"dimensions": (8, 4096), "minN": (1, 16), "maxN": (1, 16)}


def parse_config(config):
    """The embedder settings, checked (the gateway validated them against plugin.yaml first)."""
    settings = dict(hash_embedder.DEFAULTS)
    settings.update({k: v for k, v in config.items() if k in settings})
    for key, (low, high) in LIMITS.items():
        value = settings[key]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise PluginError("config.%s must be an integer from %d to %d, got %r" % (key, low, high, value))
    if settings["minN"] > settings["maxN"]:
        raise PluginError("config.minN (%d) must not be greater than config.maxN (%d)" % (settings["minN"], settings["maxN"]))
    if not isinstance(settings["wordBigrams"], bool):
        raise PluginError("config.wordBigrams must be true or false")
    weight = settings["charWeight"]
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 100:
        raise PluginError("config.charWeight must be a number from 0 to 100, got %r" % (weight,))
    settings["charWeight"] = float(weight)
    return settings


class HashEmbedder(object):
    def __init__(self, config, host):
        self.config = parse_config(config)
        self.dimensions = self.config["dimensions"]

    def vectorize_batch(self, texts, ctx):
        vectors = []
        for text in texts:
            if ctx.cancelled:
                raise PluginError("cancelled", "deadline_exceeded")
            vectors.append(hash_embedder.embed(text, self.config))
        return vectors


if __name__ == "__main__":
    serve(
        HashEmbedder,
        type="vectorizer",
        name="py-hash-embedder",
        version="1.0.0",
        model="hash-embedder",
        max_batch_size=256,
        max_input_length=100000,
    )
