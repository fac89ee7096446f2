"""serve(): run a plugin as a gRPC plugin server.

Started by the gateway (the launch contract: magic cookie, protocol versions, a socket folder
in the environment) it listens on a unix socket there, prints the handshake line on stdout and
exits when stdin closes (the gateway is gone), on SIGTERM/SIGINT or on Shutdown. Started with
MODGATE_PLUGIN_LISTEN=host:port it is a standalone server a gateway reaches as a remote plugin
(spec.endpoint).
"""
import json
import os
import signal
import sys
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from modgate.plugin.v1 import plugin_pb2, plugin_pb2_grpc

from .errors import PluginError
from .host import Host, Log
from .services import SERVICES, check_implements, guarded, health_of

PROTOCOL_VERSION = 1
CORE_PROTOCOL_VERSION = 1
MAGIC_COOKIE_KEY = "MODGATE_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d3b0a7c2-modgate-plugin-launch-v1"
PROTOCOL_VERSIONS_KEY = "MODGATE_PLUGIN_PROTOCOL_VERSIONS"
SOCKET_DIR_KEY = "MODGATE_PLUGIN_SOCKET_DIR"
LISTEN_KEY = "MODGATE_PLUGIN_LISTEN"
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
SHUTDOWN_GRACE_SECONDS = 2.0
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class _State(object):
    """The configured plugin object and whether we are stopping; shared by the services."""

    def __init__(self, create, plugin_type, log):
        self.create = create
        self.type = plugin_type
        self.log = log
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._instance = None

    def instance(self):
        with self._lock:
            instance = self._instance
        if self.stop.is_set():
            raise PluginError("the plugin is shutting down", "unavailable")
        if instance is None:
            raise PluginError("the plugin is not configured yet (Configure first)", "unavailable")
        return instance

    def current(self):
        with self._lock:
            return self._instance

    def replace(self, instance):
        with self._lock:
            previous, self._instance = self._instance, instance
        return previous


def _close(instance, log):
    close = getattr(instance, "close", None)
    if callable(close):
        try:
            close()
        except Exception as err:  # noqa: BLE001
            log.error("close() failed: %s: %s" % (type(err).__name__, err))


class _PluginService(plugin_pb2_grpc.PluginServicer):
    def __init__(self, state, info, data_dir):
        self.state = state
        self.info = info
        self.data_dir = data_dir

    @guarded
    def GetInfo(self, request, ctx):
        instance = self.state.current()
        dims = getattr(instance, "dimensions", 0) if self.state.type == "vectorizer" and instance is not None else 0
        return plugin_pb2.PluginInfo(
            protocol_versions=[PROTOCOL_VERSION],
            name=self.info["name"],
            version=self.info["version"],
            type=self.state.type,
            capabilities=plugin_pb2.Capabilities(
                dimensions=int(dims),
                max_batch_size=self.info["max_batch_size"],
                max_input_length=self.info["max_input_length"],
                model=self.info["model"],
            ),
            configured=instance is not None,
        )

    @guarded
    def Configure(self, request, ctx):
        try:
            config = json.loads(request.config_json or "{}")
        except ValueError:
            raise PluginError("config_json is not valid JSON")
        if not isinstance(config, dict):
            raise PluginError("config_json must be a JSON object")
        data_dir = request.data_dir or self.data_dir
        instance = self.state.create(config, Host(config, data_dir, self.state.log))
        check_implements(self.state.type, instance)
        previous = self.state.replace(instance)
        if previous is not None:
            _close(previous, self.state.log)
        return plugin_pb2.ConfigureResponse()

    @guarded
    def Shutdown(self, request, ctx):
        self.state.stop.set()
        return plugin_pb2.ShutdownResponse()


class _HealthService(health_pb2_grpc.HealthServicer):
    def __init__(self, state):
        self.state = state

    def status(self):
        instance = self.state.current()
        if self.state.stop.is_set() or instance is None:
            return NOT_SERVING
        healthy, _detail = health_of(instance)
        return SERVING if healthy else NOT_SERVING

    def Check(self, request, context):
        return health_pb2.HealthCheckResponse(status=self.status())

    def Watch(self, request, context):
        last = None
        while context.is_active():
            status = self.status()
            if status != last:
                last = status
                yield health_pb2.HealthCheckResponse(status=status)
            self.state.stop.wait(1.0)


def _wait_for_stdin_eof(stop):
    # The gateway keeps our stdin open and never writes to it: EOF means it is gone.
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except (OSError, ValueError):
        pass
    stop.set()


def serve(create, type, name="", version="", max_batch_size=0, max_input_length=0, model="", max_workers=8, listen=None, data_dir=None):
    """Serves the plugin until the gateway stops it; returns after a clean shutdown.

    create(config, host) -> the plugin object (see services.py for its methods per type); it
    is called on every Configure with the resolved config (a dict) and a Host (config, log,
    data_dir). type is the plugin type (vectorizer, transformer, reranker, generator,
    storage, auth). name, version, max_batch_size, max_input_length and model are reported by
    GetInfo. listen (or env MODGATE_PLUGIN_LISTEN) = "host:port" runs a standalone server.
    """
    plugin_type = type
    if plugin_type not in SERVICES:
        raise ValueError("type must be one of %s, not %r" % (", ".join(sorted(SERVICES)), plugin_type))
    env = os.environ
    listen = listen or env.get(LISTEN_KEY)
    launched = env.get(MAGIC_COOKIE_KEY) == MAGIC_COOKIE_VALUE
    if not launched and not listen:
        sys.stderr.write(
            "This program is a modgate plugin: the modgate gateway starts it (see docs/grpc.md).\n"
            "To run it as a standalone server for spec.endpoint, set %s=127.0.0.1:50051.\n" % LISTEN_KEY
        )
        sys.exit(1)
    if launched:
        offered = [v.strip() for v in env.get(PROTOCOL_VERSIONS_KEY, "").split(",")]
        if str(PROTOCOL_VERSION) not in offered:
            sys.stderr.write("the gateway offers plugin protocol versions %r; this SDK speaks %d\n" % (env.get(PROTOCOL_VERSIONS_KEY), PROTOCOL_VERSION))
            sys.exit(1)

    log = Log()
    state = _State(create, plugin_type, log)
    info = {"name": name, "version": version, "max_batch_size": max_batch_size, "max_input_length": max_input_length, "model": model}
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers),
        options=[("grpc.max_receive_message_length", MAX_MESSAGE_BYTES), ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)],
    )
    plugin_pb2_grpc.add_PluginServicer_to_server(_PluginService(state, info, data_dir or env.get("MODGATE_PLUGIN_DATA_DIR") or os.getcwd()), server)
    health_pb2_grpc.add_HealthServicer_to_server(_HealthService(state), server)
    service, add = SERVICES[plugin_type]
    add(service(state), server)

    if listen:
        port = server.add_insecure_port(listen)
        network, address = "tcp", "%s:%d" % (listen.rsplit(":", 1)[0], port)
    elif env.get(SOCKET_DIR_KEY):
        address = os.path.join(env[SOCKET_DIR_KEY], "plugin.sock")
        port = server.add_insecure_port("unix:" + address)
        network = "unix"
    else:
        port = server.add_insecure_port("127.0.0.1:0")
        network, address = "tcp", "127.0.0.1:%d" % port
    if not port:
        sys.stderr.write("cannot listen on %s\n" % address)
        sys.exit(1)
    server.start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: state.stop.set())
    if launched:
        threading.Thread(target=_wait_for_stdin_eof, args=(state.stop,), daemon=True).start()

    sys.stdout.flush()
    sys.stdout.write("%d|%d|%s|%s|grpc\n" % (CORE_PROTOCOL_VERSION, PROTOCOL_VERSION, network, address))
    sys.stdout.flush()

    # Waiting in short steps keeps the main thread responsive to signals.
    while not state.stop.wait(0.5):
        pass
    server.stop(SHUTDOWN_GRACE_SECONDS).wait()
    instance = state.replace(None)
    if instance is not None:
        _close(instance, log)
