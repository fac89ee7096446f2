"""modgate plugin SDK for Python: serve a plugin to the modgate gateway over gRPC.

    from modgate_plugin import serve, PluginError

    class Upper:
        def __init__(self, config, host):
            self.suffix = config.get("suffix", "")

        def transform_batch(self, texts, ctx):
            return [[text.upper() + self.suffix] for text in texts]

    serve(Upper, type="transformer", name="upper", version="1.0.0")

The methods each plugin type implements, the errors and the launch contract are described in
docs/grpc.md. The protocol stubs are generated at build time (sdk/python/build.py).
"""
import os
import sys

_GENERATED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_generated")
if not os.path.isdir(_GENERATED):
    raise ImportError(
        "modgate_plugin: the generated protocol stubs are missing (%s); build the SDK with "
        "/usr/bin/python3 sdk/python/build.py --out <folder>" % _GENERATED
    )
# The generated modules import each other as `modgate.plugin.v1` and `grpc_health.v1`.
if _GENERATED not in sys.path:
    sys.path.insert(0, _GENERATED)

from .context import CallContext  # noqa: E402
from .errors import PluginError  # noqa: E402
from .host import Host  # noqa: E402
from .server import serve  # noqa: E402

__all__ = ["serve", "PluginError", "CallContext", "Host"]
