#!/usr/bin/python3
"""{{name}}: a modgate vectorizer as a Python gRPC plugin process (modgate Python SDK).

Every 3-byte window of the UTF-8 text is hashed (FNV-1a) into one of `dimensions` buckets with
a sign; the vector is L2-normalised. Replace embed() with your model.

Started by the gateway (spec.binary); `node build.mjs` puts the SDK and its protocol stubs into
dist/ first. /usr/bin/python3 on purpose: Debian's python3-grpcio lives there.
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DIST = os.path.join(HERE, "dist")
if not os.path.isdir(os.path.join(DIST, "modgate_plugin")):
    sys.stderr.write("{{name}} is not built: run `node build.mjs` in %s\n" % HERE)
    sys.exit(1)
sys.path.insert(0, DIST)

from modgate_plugin import PluginError, serve  # noqa: E402


def embed(text, dimensions):
    data = text.encode("utf-8", "replace")
    vector = [0.0] * dimensions
    for i in range(max(len(data) - 2, 1)):
        h = 0x811C9DC5
        for byte in data[i:i + 3]:
            h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
        vector[h % dimensions] += -1.0 if h & 0x80000000 else 1.0
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else vector


class Vectorizer(object):
    def __init__(self, config, host):
        dimensions = config.get("dimensions", 64)
        if not isinstance(dimensions, int) or isinstance(dimensions, bool) or not 8 <= dimensions <= 4096:
            raise PluginError("config.dimensions must be an integer from 8 to 4096, got %r" % (dimensions,))
        self.dimensions = dimensions

    def vectorize_batch(self, texts, ctx):
        vectors = []
        for text in texts:
            if ctx.cancelled:
                raise PluginError("cancelled", "deadline_exceeded")
            vectors.append(embed(text, self.dimensions))
        return vectors


if __name__ == "__main__":
    serve(Vectorizer, type="vectorizer", name="{{name}}", max_batch_size=128, max_input_length=100000)
