"""The plugin type's gRPC service on top of a plain Python object.

Methods a plugin object implements, by type (ctx is a CallContext):

vectorizer   dimensions (int attribute); vectorize_batch(texts, ctx) -> list of float sequences;
             optional vectorize(text, ctx) -> float sequence (used for single texts)
transformer  transform_batch(texts, ctx) -> list of lists of str; optional transform(text, ctx)
reranker     rerank(query, documents, top_n, ctx) -> list of (index, score) or {"index", "score"};
             top_n is None when the caller sets none
generator    generate(request, ctx) -> iterable of str; request is a dict with "prompt" (str) or
             "messages" ([{"role", "content"}]), and "max_tokens" when set
storage      put(key, value, content_type, ctx); get(key, ctx) -> None or (bytes, content_type);
             delete(key, ctx) -> bool (existed); list(prefix, limit, ctx) -> list of
             (key, size, content_type) or {"key", "size", "content_type"}
auth         authenticate(credentials, ctx) -> None or {"subject", "roles", "claims"}; credentials
             is a dict with the keys set among "token", "username", "password";
             authorize(identity, resource, action, ctx) -> bool, (bool, reason) or
             {"allowed", "reason"}

Optional on every type: health() -> bool or (bool, detail), close().
"""
import json
import traceback

import grpc
from modgate.plugin.v1 import plugin_pb2, plugin_pb2_grpc

from .context import CallContext
from .errors import PluginError

REQUIRED = {
    "vectorizer": ("vectorize_batch",),
    "transformer": ("transform_batch",),
    "reranker": ("rerank",),
    "generator": ("generate",),
    "storage": ("put", "get", "delete", "list"),
    "auth": ("authenticate", "authorize"),
}


def check_implements(plugin_type, instance):
    """Raises PluginError naming what a plugin object lacks for its type."""
    missing = [m for m in REQUIRED[plugin_type] if not callable(getattr(instance, m, None))]
    if plugin_type == "vectorizer":
        dims = getattr(instance, "dimensions", None)
        if not isinstance(dims, int) or isinstance(dims, bool) or dims <= 0:
            missing.append("dimensions (a positive int)")
    if missing:
        raise PluginError("a %s plugin must implement: %s" % (plugin_type, ", ".join(missing)))


def abort_with(context, err, log):
    if isinstance(err, PluginError):
        context.abort(err.code, str(err))
    log.error("%s: %s\n%s" % (type(err).__name__, err, traceback.format_exc()))
    context.abort(grpc.StatusCode.INTERNAL, "%s: %s" % (type(err).__name__, err))


def guarded(method):
    """Turns what a handler raises into a gRPC status (PluginError keeps its status)."""

    def handler(self, request, context):
        try:
            return method(self, request, CallContext(context))
        except Exception as err:  # noqa: BLE001 - every error becomes a status
            abort_with(context, err, self.state.log)

    handler.__name__ = method.__name__
    return handler


def pick(value, index, key):
    """value[key] for a dict, value[index] for a tuple/list."""
    return value[key] if isinstance(value, dict) else value[index]


class VectorizerService(plugin_pb2_grpc.VectorizerServicer):
    def __init__(self, state):
        self.state = state

    @guarded
    def Embed(self, request, ctx):
        plugin = self.state.instance()
        texts = list(request.texts)
        if len(texts) == 1 and callable(getattr(plugin, "vectorize", None)):
            vectors = [plugin.vectorize(texts[0], ctx)]
        else:
            vectors = plugin.vectorize_batch(texts, ctx)
        response = plugin_pb2.EmbedResponse()
        for vector in vectors:
            response.vectors.add().values.extend(vector)
        return response


class TransformerService(plugin_pb2_grpc.TransformerServicer):
    def __init__(self, state):
        self.state = state

    @guarded
    def Transform(self, request, ctx):
        plugin = self.state.instance()
        texts = list(request.texts)
        if len(texts) == 1 and callable(getattr(plugin, "transform", None)):
            results = [plugin.transform(texts[0], ctx)]
        else:
            results = plugin.transform_batch(texts, ctx)
        response = plugin_pb2.TransformResponse()
        for outputs in results:
            response.results.add().texts.extend(outputs)
        return response


class RerankerService(plugin_pb2_grpc.RerankerServicer):
    def __init__(self, state):
        self.state = state

    @guarded
    def Rerank(self, request, ctx):
        top_n = request.top_n.value if request.HasField("top_n") else None
        hits = self.state.instance().rerank(request.query, list(request.documents), top_n, ctx)
        response = plugin_pb2.RerankResponse()
        for hit in hits:
            response.hits.add(index=int(pick(hit, 0, "index")), score=float(pick(hit, 1, "score")))
        return response


class GeneratorService(plugin_pb2_grpc.GeneratorServicer):
    def __init__(self, state):
        self.state = state

    def Generate(self, request, context):
        ctx = CallContext(context)
        try:
            plugin = self.state.instance()
            if request.HasField("prompt"):
                message = {"prompt": request.prompt.value}
            else:
                message = {"messages": [{"role": m.role, "content": m.content} for m in request.messages]}
            if request.HasField("max_tokens"):
                message["max_tokens"] = request.max_tokens.value
            for text in plugin.generate(message, ctx):
                if ctx.cancelled:
                    return
                yield plugin_pb2.GenerateChunk(text=text)
        except Exception as err:  # noqa: BLE001
            abort_with(context, err, self.state.log)


class StorageService(plugin_pb2_grpc.StorageServicer):
    def __init__(self, state):
        self.state = state

    @guarded
    def Put(self, request, ctx):
        self.state.instance().put(request.key, bytes(request.value), request.content_type or "application/octet-stream", ctx)
        return plugin_pb2.PutResponse()

    @guarded
    def Get(self, request, ctx):
        found = self.state.instance().get(request.key, ctx)
        if found is None:
            return plugin_pb2.GetResponse(found=False)
        value, content_type = found
        return plugin_pb2.GetResponse(found=True, value=bytes(value), content_type=content_type)

    @guarded
    def Delete(self, request, ctx):
        return plugin_pb2.DeleteResponse(existed=bool(self.state.instance().delete(request.key, ctx)))

    @guarded
    def List(self, request, ctx):
        response = plugin_pb2.ListResponse()
        for item in self.state.instance().list(request.prefix, request.limit, ctx):
            response.objects.add(key=pick(item, 0, "key"), size=int(pick(item, 1, "size")), content_type=pick(item, 2, "content_type"))
        return response


class AuthService(plugin_pb2_grpc.AuthServicer):
    def __init__(self, state):
        self.state = state

    @guarded
    def Authenticate(self, request, ctx):
        credentials = {}
        for key in ("token", "username", "password"):
            if request.HasField(key):
                credentials[key] = getattr(request, key).value
        identity = self.state.instance().authenticate(credentials, ctx)
        if identity is None:
            return plugin_pb2.AuthenticateResponse(authenticated=False)
        claims = identity.get("claims")
        message = plugin_pb2.Identity(
            subject=identity["subject"],
            roles=list(identity.get("roles", [])),
            claims_json=json.dumps(claims) if claims is not None else "",
        )
        return plugin_pb2.AuthenticateResponse(authenticated=True, identity=message)

    @guarded
    def Authorize(self, request, ctx):
        identity = {"subject": request.identity.subject, "roles": list(request.identity.roles)}
        if request.identity.claims_json:
            identity["claims"] = json.loads(request.identity.claims_json)
        decision = self.state.instance().authorize(identity, request.resource, request.action, ctx)
        if isinstance(decision, dict):
            allowed, reason = decision["allowed"], decision.get("reason") or ""
        elif isinstance(decision, tuple):
            allowed, reason = decision[0], decision[1] or ""
        else:
            allowed, reason = decision, ""
        return plugin_pb2.AuthorizeResponse(allowed=bool(allowed), reason=reason)


SERVICES = {
    "vectorizer": (VectorizerService, plugin_pb2_grpc.add_VectorizerServicer_to_server),
    "transformer": (TransformerService, plugin_pb2_grpc.add_TransformerServicer_to_server),
    "reranker": (RerankerService, plugin_pb2_grpc.add_RerankerServicer_to_server),
    "generator": (GeneratorService, plugin_pb2_grpc.add_GeneratorServicer_to_server),
    "storage": (StorageService, plugin_pb2_grpc.add_StorageServicer_to_server),
    "auth": (AuthService, plugin_pb2_grpc.add_AuthServicer_to_server),
}


def health_of(instance):
    """(healthy, detail) from the plugin's optional health()."""
    check = getattr(instance, "health", None)
    if not callable(check):
        return True, ""
    try:
        answer = check()
    except Exception as err:  # noqa: BLE001
        return False, "%s: %s" % (type(err).__name__, err)
    if isinstance(answer, tuple):
        return bool(answer[0]), str(answer[1]) if len(answer) > 1 else ""
    return bool(answer), ""
