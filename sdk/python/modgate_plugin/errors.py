"""Errors a plugin raises to answer a call with a specific status."""
import grpc

#: status name -> gRPC status code, and the HTTP status the gateway answers with.
STATUSES = {
    "invalid_argument": grpc.StatusCode.INVALID_ARGUMENT,  # 400
    "not_found": grpc.StatusCode.NOT_FOUND,  # 404
    "resource_exhausted": grpc.StatusCode.RESOURCE_EXHAUSTED,  # 429
    "unavailable": grpc.StatusCode.UNAVAILABLE,  # 503
    "deadline_exceeded": grpc.StatusCode.DEADLINE_EXCEEDED,  # 504
    "internal": grpc.StatusCode.INTERNAL,  # 502
}


class PluginError(Exception):
    """Raise to fail a call with a message the caller sees.

    status: "invalid_argument" (the default: the input is wrong, HTTP 400), "not_found" (404),
    "resource_exhausted" (429), "unavailable" (503), "deadline_exceeded" (504) or
    "internal" (502). Any other exception a plugin raises is "internal".
    """

    def __init__(self, message, status="invalid_argument"):
        if status not in STATUSES:
            raise ValueError("PluginError status must be one of %s, not %r" % (", ".join(sorted(STATUSES)), status))
        super(PluginError, self).__init__(message)
        self.status = status

    @property
    def code(self):
        return STATUSES[self.status]
